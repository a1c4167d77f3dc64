package io.keycycle.cli;

import io.keycycle.store.KeycycleStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** {@code keycycle prune --older-than 30d}: deletes old usage and finished states. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {
                "Delete usage and finished key states older than a duration.",
                "",
                "Usage records, per-minute aggregates and finished states go; Live states (a key still "
                        + "disabled, a scope parked until tomorrow) are kept. Deletes in small chunks, so it is safe "
                        + "on a live TiDB/MySQL database."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle prune --older-than 30d",
                "  keycycle prune --older-than 12h --db jdbc:sqlite:./test.db",
                "  keycycle prune --older-than 2w"})
final class PruneCommand extends KeycycleCommand {

    @Option(names = "--older-than", required = true, paramLabel = "DURATION", converter = Durations.class,
            description = "Age of the oldest record to keep: 30d, 12h, 90m, 2w (days are 24 hours).")
    Duration olderThan;

    @Override
    protected int execute() {
        try (KeycycleStore store = factory().openExistingStore()) {
            long deleted = store.prune(olderThan);
            out().println("deleted " + deleted + (deleted == 1 ? " usage record" : " usage records") + " older than "
                    + Durations.format(olderThan) + " (before "
                    + factory().clock().instant().minus(olderThan).truncatedTo(ChronoUnit.SECONDS) + ") from " + store.url().redacted());
        }
        return 0;
    }
}
