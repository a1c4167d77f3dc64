package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.OutcomeKind;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * A store in a process of its own for {@link CallsInFlightTest}, holding four calls in the states a
 * {@code kill -9} can find them in, then printing {@code READY} and waiting to be killed. The store
 * commits nothing before the kill (a batch waits 10 minutes to fill), so every record the next
 * start has came through a file:
 * <ol>
 *   <li>lease 1: admitted and settled (7 + 5 tokens) on a thread that writes by rounds, whose turn
 *       never ends: its line never reaches the write-ahead file;</li>
 *   <li>lease 2: admitted, never settled (in flight at the kill, 100 tokens reserved);</li>
 *   <li>lease 3: admitted and settled on a plain thread: its line is written at once;</li>
 *   <li>lease 4: admitted and settled on the rounds thread, whose turn then ends: its line is written.</li>
 * </ol>
 * Arguments: database URL, journal directory.
 */
public final class CallsInFlightChild {

    static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private CallsInFlightChild() { }

    static KeycycleEvent.Admitted admitted(long lease) {
        return new KeycycleEvent.Admitted(T0.plusSeconds(lease), "groq", "scope-" + Events.FP_A, Events.FP_A, "m", 100, lease);
    }

    static KeycycleEvent.Settled settled(long lease, long prompt, long completion) {
        return new KeycycleEvent.Settled(T0.plusSeconds(lease).plusMillis(400), T0.plusSeconds(lease), "groq", "scope-" + Events.FP_A,
                Events.FP_A, "m", OutcomeKind.SUCCESS, 200, 1, prompt, completion, prompt + completion, lease);
    }

    public static void main(String[] args) throws Exception {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(args[0]).journalDir(Path.of(args[1])).shutdownHook(false)
                .batchSize(500).batchInterval(Duration.ofMinutes(10)).build());
        Thread stuck = new Thread(() -> {
            WriteAheadRounds.enable(endOfTurn -> { }); // this thread's turns never end: lease 1's line stays in its batch
            store.onEvent(admitted(1));
            store.onEvent(settled(1, 7, 5));
        }, "rounds-stuck");
        stuck.start();
        stuck.join();
        Thread rounds = new Thread(() -> {
            ArrayDeque<Runnable> endOfTurn = new ArrayDeque<>();
            WriteAheadRounds.enable(endOfTurn::add);
            store.onEvent(admitted(2));
            store.onEvent(admitted(4));
            store.onEvent(settled(4, 11, 13));
            for (Runnable r; (r = endOfTurn.poll()) != null; ) r.run(); // lease 4's turn ends: its line is written
        }, "rounds");
        rounds.start();
        rounds.join();
        store.onEvent(admitted(3));
        store.onEvent(settled(3, 17, 19));
        System.out.println("READY " + store.health().callsUnrecorded());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
