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
 * <p>Arguments: database URL, journal directory, and optionally {@code rounds}: each thread then
 * writes by rounds ({@link WriteAheadRounds}) as a gateway's event loop does, a turn every five
 * events, and prints its {@code ACK} from {@link WriteAheadRounds#afterLines}, as the gateway sends
 * an answer.
 */
public final class WriteAheadCrashChild {

    static final int THREADS = 2;

    private WriteAheadCrashChild() { }

    public static void main(String[] args) {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(args[0]).journalDir(Path.of(args[1])).shutdownHook(false)
                .queueCapacity(2_000_000).batchInterval(Duration.ofMillis(20)).build());
        Instant t0 = Instant.parse("2026-03-01T12:00:00Z");
        boolean rounds = args.length > 2 && args[2].equals("rounds");
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            new Thread(() -> {
                java.util.ArrayDeque<Runnable> endOfTurn = new java.util.ArrayDeque<>();
                if (rounds) WriteAheadRounds.enable(endOfTurn::add);
                for (long i = thread, n = 0; ; i += THREADS, n++) {
                    store.onEvent(Events.settled(t0.plusMillis(i), "groq", Events.FP_A, "m", i, i + 10));
                    if (n % 500 == 0) {
                        long acknowledged = i;
                        WriteAheadRounds.afterLines(() -> {
                            synchronized (System.out) {
                                System.out.println("ACK " + thread + " " + acknowledged);
                                System.out.flush();
                            }
                        });
                    }
                    if (n % 5 == 4) {
                        for (Runnable r; (r = endOfTurn.poll()) != null; ) r.run(); // the turn ends
                    }
                }
            }, "offer-" + t).start();
        }
    }
}
