package io.keycycle.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A store in a process of its own for {@link WriteAheadCrashTest}: {@link #THREADS} threads offer
 * usage events as fast as they can (thread {@code t} the events {@code t}, {@code t + THREADS}, …,
 * event {@code i} with {@code i} prompt tokens, each thread in a write-ahead file of its own) and
 * print {@code ACK t i} after {@code onEvent} returned for event {@code i} (about every 500 events,
 * flushed): a printed number is an acknowledged event of that thread. Runs until it is killed.
 *
 * <p>Arguments: database URL, journal directory.
 */
public final class WriteAheadCrashChild {

    static final int THREADS = 2;

    private WriteAheadCrashChild() { }

    public static void main(String[] args) {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(args[0]).journalDir(Path.of(args[1])).shutdownHook(false)
                .queueCapacity(2_000_000).batchInterval(Duration.ofMillis(20)).build());
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            new Thread(() -> {
                for (long i = thread, n = 0; ; i += THREADS, n++) {
                    store.onEvent(Events.settled(t0.plusMillis(i), "groq", Events.FP_A, "m", i, i + 10));
                    if (n % 500 == 0) {
                        synchronized (System.out) {
                            System.out.println("ACK " + thread + " " + i);
                            System.out.flush();
                        }
                    }
                }
            }, "offer-" + t).start();
        }
    }
}
