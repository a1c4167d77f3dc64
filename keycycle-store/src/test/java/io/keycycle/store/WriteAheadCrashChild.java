package io.keycycle.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A store in a process of its own for {@link WriteAheadCrashTest}: offers usage events as fast as it
 * can, event {@code i} with {@code i} prompt tokens, and prints {@code ACK i} after {@code onEvent}
 * returned for it (every 500 events, flushed): a printed number is an acknowledged event. Runs
 * until it is killed.
 *
 * <p>Arguments: database URL, journal directory.
 */
public final class WriteAheadCrashChild {

    private WriteAheadCrashChild() { }

    public static void main(String[] args) {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(args[0]).journalDir(Path.of(args[1])).shutdownHook(false)
                .queueCapacity(2_000_000).batchInterval(Duration.ofMillis(20)).build());
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        for (long i = 0; ; i++) {
            store.onEvent(Events.settled(t0.plusMillis(i), "groq", Events.FP_A, "m", i, i + 10));
            if (i % 500 == 0) {
                System.out.println("ACK " + i);
                System.out.flush();
            }
        }
    }
}
