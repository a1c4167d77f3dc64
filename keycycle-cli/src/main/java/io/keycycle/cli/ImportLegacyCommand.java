package io.keycycle.cli;

import io.keycycle.core.config.LoadedKeys;
import io.keycycle.store.DatabaseUrl;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.LegacyImportResult;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.Retention;
import io.keycycle.store.UsageRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code keycycle import-legacy --from URL}: the Python library's {@code usage_logs} into the
 * database, attributed to the keys of the environment by secret suffix. Idempotent.
 */
@Command(name = "import-legacy", mixinStandardHelpOptions = true,
        description = {
                "Import the Python library's usage_logs into the database.",
                "",
                "Reads usage_logs from --from and writes it to the database (--db). Rows are attributed to "
                        + "the keys in the environment by the key suffix the Python library stored; a suffix that "
                        + "matches no key, or several, is reported and its rows are skipped. Running it again imports "
                        + "nothing twice."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle import-legacy --from sqlite:///old/usage.db",
                "  keycycle import-legacy --from \"$TIDB_DB_URL\" --db jdbc:sqlite:./keycycle.db",
                "  keycycle import-legacy \\",
                "      --from 'mysql+pymysql://user:pass@host:4000/agents?ssl_ca=/etc/ca.pem'"})
final class ImportLegacyCommand extends KeycycleCommand {

    @Option(names = "--from", required = true, paramLabel = "URL",
            description = "The Python library's database (JDBC or SQLAlchemy URL) holding usage_logs.")
    String from;

    @Override
    protected int execute() {
        KeycycleFactory f = factory();
        LoadedKeys loaded = f.keys();
        if (loaded.keys().isEmpty()) {
            throw new CliFailure("no keys in the environment to match the legacy key suffixes against; set NUM_<PROVIDER> "
                    + "and <PROVIDER>_API_KEY_<i> (or --env-file) to the keys the Python library used");
        }
        checkSource();
        KeycycleStore store = f.openStore();
        if (store == null) throw new CliFailure("import-legacy needs a database to import into; pass --db URL (not 'none')");
        LegacyImportResult r;
        Map<String, Long> before;
        Map<String, Long> after;
        String target;
        Retention retention = Retention.fromEnv(f.env(), Retention.DEFAULT);
        Instant now = f.clock().instant();
        Instant rawCutoff = RetainedUsage.rawCutoff(retention, now);
        Instant aggregateCutoff = retention.aggregates().isZero() ? null : now.minus(retention.aggregates());
        long pastRaw = 0, pastAggregates = 0;
        try (store) {
            target = store.url().redacted();
            before = requestsByProvider(store);
            long rawBefore = rawCutoff == null ? 0 : requestsBefore(store, rawCutoff);
            long aggBefore = aggregateCutoff == null ? 0 : requestsBefore(store, aggregateCutoff);
            r = store.importLegacy(from, loaded.keys());
            after = requestsByProvider(store);
            if (rawCutoff != null) pastRaw = requestsBefore(store, rawCutoff) - rawBefore;
            if (aggregateCutoff != null) pastAggregates = requestsBefore(store, aggregateCutoff) - aggBefore;
        }
        print(r, loaded, before, after, target);
        warnAboutRetention(retention, pastRaw, pastAggregates);
        return 0;
    }

    /**
     * A SQLite source must exist: opening a missing file would create an empty database at the
     * mistyped path and end in "no such table". Relative paths are relative to the working directory.
     */
    private void checkSource() {
        DatabaseUrl src = DatabaseUrl.parse(from);
        if (src.kind() != DatabaseUrl.Kind.SQLITE) return;
        Path file = root.environment().workDir().resolve(src.sqliteFile()).normalize();
        if (!Files.isRegularFile(file)) {
            throw new CliFailure("--from " + src.redacted() + ": no such file (" + file + "); nothing was imported. "
                    + "SQLAlchemy URLs take three slashes before a relative path (sqlite:///old/usage.db) and four "
                    + "before an absolute one (sqlite:////srv/old/usage.db)");
        }
    }

    /**
     * Legacy rows are usually older than the raw retention: the store's pruner deletes such raw rows
     * about a minute after any process opens the database. Say so, and where their sums stay.
     */
    private void warnAboutRetention(Retention retention, long pastRaw, long pastAggregates) {
        if (pastRaw <= 0) return;
        out().println("note: " + pastRaw + " of the imported rows are older than the raw retention ("
                + Durations.format(retention.rawUsage()) + "); the store deletes raw rows past it at its next retention run "
                + "(about a minute after a process opens this database). Their requests and tokens per key, model and minute "
                + "stay in the per-minute aggregates"
                + (retention.aggregates().isZero() ? "" : " (kept " + Durations.format(retention.aggregates()) + ")")
                + ", which `keycycle usage` reads for days past the raw retention (no prompt/completion split there). "
                + "To keep the raw rows, set KEYCYCLE_RETENTION_RAW (e.g. 400d or forever) wherever this database is opened.");
        if (pastAggregates > 0) {
            out().println("note: " + pastAggregates + " of them are older than the aggregate retention ("
                    + Durations.format(retention.aggregates()) + ") too: they will be deleted entirely unless "
                    + "KEYCYCLE_RETENTION_AGGREGATES and KEYCYCLE_RETENTION_RAW keep them (e.g. forever).");
        }
    }

    /** Requests recorded before {@code cutoff} (raw rows). */
    private static long requestsBefore(KeycycleStore store, Instant cutoff) {
        long n = 0;
        for (UsageRow row : store.report(ReportQuery.of(Instant.EPOCH, cutoff, ReportQuery.GroupBy.PROVIDER))) n += row.requests();
        return n;
    }

    /** Requests per provider over all time: the difference is what this import wrote (the result has totals only). */
    private Map<String, Long> requestsByProvider(KeycycleStore store) {
        Instant end = factory().clock().instant().plus(36_500, ChronoUnit.DAYS);
        Map<String, Long> m = new TreeMap<>();
        for (UsageRow row : store.report(ReportQuery.of(Instant.EPOCH, end, ReportQuery.GroupBy.PROVIDER))) {
            m.put(row.provider(), row.requests());
        }
        return m;
    }

    private void print(LegacyImportResult r, LoadedKeys loaded, Map<String, Long> before, Map<String, Long> after, String target) {
        Set<String> providers = new TreeSet<>(loaded.keys().keySet());
        providers.addAll(r.unmatchedSuffixes().keySet());
        providers.addAll(r.ambiguousSuffixes().keySet());
        Grid g = new Grid("PROVIDER", "IMPORTED", "UNMATCHED SUFFIXES", "AMBIGUOUS SUFFIXES");
        for (String p : providers) {
            long imported = after.getOrDefault(p, 0L) - before.getOrDefault(p, 0L);
            g.row(p, imported, r.unmatchedSuffixes().getOrDefault(p, Set.of()).size(),
                    r.ambiguousSuffixes().getOrDefault(p, Map.of()).size());
        }
        out().println("imported " + r.imported() + " of " + r.rowsRead() + " usage_logs rows into " + target
                + " (" + r.alreadyImported() + " already imported, " + r.unmatchedRows() + " unmatched, "
                + r.ambiguousRows() + " ambiguous)");
        g.printTable(out(), "  ");
        r.unmatchedSuffixes().forEach((p, suffixes) -> out().println("  " + p + ": no key ends with "
                + String.join(", ", suffixes.stream().map(ImportLegacyCommand::mask).toList())
                + " — add those keys to the environment and import again"));
        r.ambiguousSuffixes().forEach((p, bySuffix) -> bySuffix.forEach((suffix, fps) -> out().println("  " + p + ": suffix "
                + mask(suffix) + " matches several keys " + fps + " — their rows were skipped")));
    }

    /** A stored suffix is part of a secret: show only its last four characters, as fingerprints do. */
    static String mask(String suffix) {
        if (suffix == null || suffix.isEmpty()) return "(empty)";
        return "…" + (suffix.length() <= 4 ? suffix : suffix.substring(suffix.length() - 4));
    }

}
