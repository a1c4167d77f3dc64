package io.keycycle.cli;

import io.keycycle.store.KeycycleStore;
import io.keycycle.store.ReportQuery;
import io.keycycle.store.Retention;
import io.keycycle.store.ReportQuery.GroupBy;
import io.keycycle.store.UsageRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * {@code keycycle usage}: usage totals from the database, grouped as asked (days are UTC); with
 * {@code --chart}, per-provider sparklines of calls per interval by outcome; with {@code --plan}, the
 * capacity plan of the last day.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = {
                "Report usage from the database by provider, key, model and day.",
                "",
                "Requests, prompt/completion/charged tokens and failures, grouped as --by says. Days are "
                        + "UTC; --from and --to are inclusive. Keys are shown by fingerprint."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle usage                         last 7 days by provider and model",
                "  keycycle usage --days 1 --by key       today, per key",
                "  keycycle usage --from 2026-11-01 --to 2026-11-30 --by day,provider",
                "  keycycle usage --days 30 --by provider,model --format csv > usage.csv",
                "  keycycle usage --format json --db mysql+pymysql://user:pass@host/kc",
                "  keycycle usage --since 24h --by provider --chart      sparklines per provider",
                "  keycycle usage --since 1h --by provider,model --chart --format json",
                "  keycycle usage --plan                  how many more scopes the last 24 h needed"})
final class UsageCommand extends KeycycleCommand {

    @Option(names = "--from", paramLabel = "DATE", description = "First day (ISO, e.g. 2026-11-01), inclusive.")
    LocalDate from;

    @Option(names = "--to", paramLabel = "DATE", description = "Last day (ISO), inclusive (default: today).")
    LocalDate to;

    @Option(names = "--days", paramLabel = "N",
            description = "The last N days, today included (default: 7 unless --from is given).")
    Integer days;

    @Option(names = "--by", paramLabel = "DIM", split = ",", defaultValue = "provider,model",
            description = "Group by these, comma-separated: provider, key, model, day (default: ${DEFAULT-VALUE}); "
                    + "'none' for one total.")
    List<String> by;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Option(names = "--since", paramLabel = "DURATION", converter = Durations.class,
            description = "The last DURATION up to now (e.g. 24h, 90m, 7d) instead of whole days.")
    Duration since;

    @Option(names = "--chart", description = "Draw calls per interval as sparklines per provider (or provider and model), "
            + "by outcome: answered, 429 from the provider, refused locally, error. Default range: --since 24h.")
    boolean chart;

    @Option(names = "--width", paramLabel = "N", defaultValue = "60",
            description = "Characters per sparkline with --chart (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--ascii", description = "Sparklines in ASCII characters instead of Unicode blocks.")
    boolean ascii;

    @Option(names = "--plan", description = "Capacity plan: from the last 24 h of demand (refused calls and 429s included), "
            + "how many more scopes (keys in their own organisation or project) each provider needed.")
    boolean plan;

    @Override
    protected int execute() {
        if (plan && chart) throw usage("give --plan or --chart, not both");
        if (since != null && (from != null || days != null || to != null)) throw usage("give --since or --from/--to/--days, not both");
        if (plan) return new UsagePlan(factory(), format, out()).print();
        if (chart) {
            if (from != null || days != null || to != null) throw usage("--chart takes its range from --since (e.g. --since 24h)");
            if (width < 10 || width > 500) throw usage("--width must be 10..500, was " + width);
            return new UsageChart(factory(), since == null ? Duration.ofHours(24) : since, chartByModel(), width, ascii, format, out()).print();
        }
        EnumSet<GroupBy> groups = groups();
        LocalDate today = LocalDate.now(factory().clock().withZone(ZoneOffset.UTC));
        LocalDate last = to != null ? to : today;
        LocalDate first;
        if (from != null && days != null) throw usage("give --from or --days, not both");
        if (days != null && days < 1) throw usage("--days must be >= 1, was " + days);
        first = from != null ? from : last.minusDays((days == null ? 7 : days) - 1L);
        if (last.isBefore(first)) throw usage("--to " + last + " is before --from " + first);
        Instant start = first.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant end = last.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (since != null) {
            end = factory().clock().instant();
            start = end.minus(since);
        }

        List<UsageRow> rows;
        Retention retention = Retention.fromEnv(factory().env(), Retention.DEFAULT);
        RetainedUsage.Report report;
        try (KeycycleStore store = factory().openExistingStore()) {
            report = RetainedUsage.report(store, retention, factory().clock().instant(), start, end, groups);
        }
        rows = report.rows();
        String note = report.aggregatedBefore() == null ? null : RetainedUsage.note(report.aggregatedBefore(), retention);
        List<String> columns = new ArrayList<>();
        if (groups.contains(GroupBy.DAY)) columns.add("DAY");
        if (groups.contains(GroupBy.PROVIDER) || groups.contains(GroupBy.KEY)) columns.add("PROVIDER");
        if (groups.contains(GroupBy.KEY)) columns.add("KEY");
        if (groups.contains(GroupBy.MODEL)) columns.add("MODEL");
        columns.addAll(List.of("REQUESTS", "PROMPT TOKENS", "COMPLETION TOKENS", "CHARGED TOKENS", "FAILURES"));
        Grid g = new Grid(columns.toArray(String[]::new));
        long[] total = new long[5];
        for (UsageRow r : rows) {
            List<Object> cells = new ArrayList<>();
            if (groups.contains(GroupBy.DAY)) cells.add(r.day() == null ? null : r.day().toString());
            if (groups.contains(GroupBy.PROVIDER) || groups.contains(GroupBy.KEY)) cells.add(r.provider());
            if (groups.contains(GroupBy.KEY)) cells.add(r.key());
            if (groups.contains(GroupBy.MODEL)) cells.add(r.model());
            long[] v = {r.requests(), r.promptTokens(), r.completionTokens(), r.chargedTokens(), r.failures()};
            for (int i = 0; i < v.length; i++) {
                cells.add(v[i]);
                total[i] += v[i];
            }
            g.row(cells.toArray());
        }
        if (format != OutputFormat.TABLE) {
            g.print(format, out());
            if (note != null && !rows.isEmpty()) err().println("note: " + note);
            return 0;
        }
        out().println(since != null ? "usage " + start + " .. " + end + " (the last " + Durations.format(since) + ")"
                : "usage " + first + " .. " + last + " (UTC)");
        if (rows.isEmpty()) {
            out().println("no usage recorded in that range");
            return 0;
        }
        if (rows.size() > 1 && !groups.isEmpty()) {
            List<Object> cells = new ArrayList<>();
            cells.add("TOTAL");
            while (cells.size() < columns.size() - 5) cells.add("");
            for (long t : total) cells.add(t);
            g.row(cells.toArray());
        }
        g.printTable(out(), "");
        if (note != null) out().println(note);
        return 0;
    }

    /** --chart groups by provider, or by provider and model. */
    private boolean chartByModel() {
        EnumSet<GroupBy> g = groups();
        if (g.contains(GroupBy.KEY) || g.contains(GroupBy.DAY)) throw usage("--chart groups by provider or provider,model");
        return g.contains(GroupBy.MODEL);
    }

    private EnumSet<GroupBy> groups() {
        EnumSet<GroupBy> groups = EnumSet.noneOf(GroupBy.class);
        for (String b : by) {
            String d = b.trim().toLowerCase(Locale.ROOT);
            if (d.isEmpty() || d.equals("none")) continue;
            switch (d) {
                case "provider", "providers" -> groups.add(GroupBy.PROVIDER);
                case "key", "keys" -> groups.add(GroupBy.KEY);
                case "model", "models" -> groups.add(GroupBy.MODEL);
                case "day", "days" -> groups.add(GroupBy.DAY);
                default -> throw usage("unknown --by dimension '" + b.trim() + "'; use provider, key, model, day or none");
            }
        }
        return groups;
    }
}
