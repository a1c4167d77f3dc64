package io.keycycle.store;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.keycycle.store.CallsInFlightChild.T0;
import static io.keycycle.store.CallsInFlightChild.admitted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Calls in flight at a {@code kill -9}: the next start records each call exactly once, whatever
 * state the kill found it in (see {@link CallsInFlightChild} for the four). Before the file of calls
 * in flight, two of the four were lost: the call still in flight (the provider counted it, the
 * restarted engine did not) and the call whose line waited for the end of its thread's turn.
 */
class CallsInFlightTest {

    @DatabaseTest
    void aKillLeavesEveryCallItInterruptedToTheNextStartExactlyOnce(TestDatabase db) throws Exception {
        Path journal = db.workDir().resolve("journal");
        db.open(db.config().journalDir(db.workDir().resolve("setup")).build()).close(); // the schema
        Path log = db.workDir().resolve("child.log");
        Process child = ChildJvm.start(log, "256m", CallsInFlightChild.class, db.url(), journal.toString());
        ChildJvm.awaitLine(child, log, "READY", "READY 0");
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(slotFiles(journal)).as("the killed process left its calls in flight").hasSize(1);

        KeycycleStore store = db.open(db.config().journalDir(journal).build());
        RecordingRestorer restored = new RecordingRestorer();
        store.hydrate(restored, T0.plus(Duration.ofMinutes(10)));
        assertThat(restored.requests()).as("the restarted engine's windows hold all four calls").isEqualTo(4);
        assertThat(restored.tokens()).as("7+5, 100 reserved, 17+19, 11+13").isEqualTo(12 + 100 + 36 + 24);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).isEqualTo(4);
        assertThat(Events.count(db::connect, "SELECT COUNT(DISTINCT event_id) FROM keycycle_usage")).isEqualTo(4);
        assertThat(Events.longs(db::connect, "SELECT prompt_tokens FROM keycycle_usage WHERE outcome = 'SUCCESS' ORDER BY prompt_tokens"))
                .as("lease 1 from its slot with its real figures, leases 4 and 3 from their lines").containsExactly(7L, 11L, 17L);
        assertThat(Events.longs(db::connect, "SELECT charged_tokens FROM keycycle_usage WHERE outcome = 'UNFINISHED'"))
                .as("lease 2, in flight: its reservation").containsExactly(100L);
        assertThat(Events.longs(db::connect, "SELECT requests FROM keycycle_usage WHERE outcome = 'UNFINISHED'")).containsExactly(1L);
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage WHERE outcome = 'UNFINISHED' AND ts >= "
                + admitted(2).at().toEpochMilli())).as("at or after its admission").isEqualTo(1);
        assertThat(slotFiles(journal)).as("only this process's own file").hasSize(1);
        store.close();
        assertThat(slotFiles(journal)).as("a clean close with nothing in flight leaves no file").isEmpty();

        KeycycleStore again = db.open(db.config().journalDir(journal).build());
        assertThat(again.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(Events.count(db::connect, "SELECT COUNT(*) FROM keycycle_usage")).as("recovered once").isEqualTo(4);
        again.close();
    }

    @Test
    void aSettledSlotIsTheRecordItsLineCarriesUnderTheSameId(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 0x1234abcd, 64);
        calls.admitted(admitted(9));
        StoredEvent.Usage line = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(9, 3, 4), 42, 0x1234abcd);
        int slot = calls.settling("groq", 9, Events.FP_A, "m", line);
        assertThat(slot).isNotNegative();
        assertThat(CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(0x1234abcd))))
                .as("a kill before the line is written leaves the same record, which the replay keeps once by its id")
                .containsExactly(line);
        calls.release(slot);
        assertThat(CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(0x1234abcd)))).isEmpty();
    }

    @Test
    void namesOfEveryAlphabetComeBackAsTheyWere(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 7, 64);
        String model = "modèle-日本語-\uD83D\uDE80"; // two-, three-byte characters and a surrogate pair
        calls.admitted(new KeycycleEvent.Admitted(T0, "gemini", null, "AIza…beef", model, 250, 1));
        List<StoredEvent.Usage> back = CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(7)));
        assertThat(back).hasSize(1);
        StoredEvent.Usage u = back.get(0);
        assertThat(u.provider()).isEqualTo("gemini");
        assertThat(u.scope()).isNull();
        assertThat(u.keyFp()).isEqualTo("AIza…beef");
        assertThat(u.model()).isEqualTo(model);
        assertThat(u.outcome()).isEqualTo(StoredEvent.UNFINISHED);
        assertThat(u.requests()).isEqualTo(1);
        assertThat(u.chargedTokens()).isEqualTo(250);
        assertThat(u.eventId()).as("slot, generation 1, nonce 7").matches("[0-9a-f]{8}00000001-00000007-u");
    }

    @Test
    void aCallWithoutRoomIsCountedAndTheOthersKeepTheirSlots(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 8, 64);
        calls.admitted(new KeycycleEvent.Admitted(T0, "groq", "s".repeat(400), Events.FP_A, "m", 1, 1));
        assertThat(calls.unrecorded()).as("names longer than a slot").isEqualTo(1);
        for (long lease = 2; lease < 2 + 64; lease++) calls.admitted(new KeycycleEvent.Admitted(T0, "groq", "s", Events.FP_A, "m", 1, lease));
        assertThat(calls.open()).isEqualTo(64);
        calls.admitted(new KeycycleEvent.Admitted(T0, "groq", "s", Events.FP_A, "m", 1, 100));
        assertThat(calls.unrecorded()).as("every slot taken").isEqualTo(2);
        assertThat(CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(8)))).hasSize(64);
    }

    /**
     * The slots in use stay the same few whatever the lease numbers, so their pages stay in memory
     * (with slots chosen by lease number, ten thousand calls cycled through the whole file).
     */
    @Test
    void callsReuseTheSlotsFreedLast(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 10, 16_384);
        for (long lease = 1; lease <= 10_000; lease += 3) {
            for (long l = lease; l < lease + 3; l++) calls.admitted(new KeycycleEvent.Admitted(T0, "groq", "s", Events.FP_A, "m", 1, l));
            for (long l = lease; l < lease + 3; l++) {
                StoredEvent.Usage u = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(l, 1, 1), l, 10);
                calls.release(calls.settling("groq", l, Events.FP_A, "m", u));
            }
        }
        calls.admitted(new KeycycleEvent.Admitted(T0, "groq", "s", Events.FP_A, "m", 1, 20_000));
        List<StoredEvent.Usage> open = CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(10)));
        assertThat(open).hasSize(1);
        assertThat(Integer.parseInt(open.get(0).eventId().substring(0, 8), 16)).as("file slot").isLessThan(3);
    }

    /** Two threads admitting and settling at once (a gateway's two event loops): every slot comes back, none is shared. */
    @Test
    void twoThreadsAtOnceLeaveEverySlotFreeAndEveryCallRecorded(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 11, 256);
        java.util.concurrent.atomic.AtomicLong wrong = new java.util.concurrent.atomic.AtomicLong();
        Runnable loop = () -> {
            long first = Thread.currentThread().getName().endsWith("0") ? 1 : 1_000_000;
            for (long l = first; l < first + 200_000; l += 50) {
                for (long k = l; k < l + 50; k++) calls.admitted(new KeycycleEvent.Admitted(T0, "groq", "s", Events.FP_A, "m", 1, k));
                for (long k = l; k < l + 50; k++) {
                    StoredEvent.Usage u = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(k, 1, 1), k, 11);
                    int entry = calls.settling("groq", k, Events.FP_A, "m", u);
                    if (entry < 0) wrong.incrementAndGet();
                    calls.release(entry);
                }
            }
        };
        Thread a = new Thread(loop, "loop-0");
        Thread b = new Thread(loop, "loop-1");
        a.start();
        b.start();
        a.join();
        b.join();
        assertThat(wrong.get()).as("settlements that did not find their call").isZero();
        assertThat(calls.unrecorded()).isZero();
        assertThat(calls.open()).isZero();
        assertThat(CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(11)))).isEmpty();
    }

    /** A gateway's largest load at the default size: 8,192 plain calls and 2,048 streams open at once over four pools. */
    @Test
    void theDefaultSizeHoldsAGatewaysLargestLoad(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 12, StoreConfig.DEFAULT_IN_FLIGHT_SLOTS);
        String[] providers = {"groq", "cerebras", "gemini", "openrouter"};
        long[] next = new long[providers.length];
        java.util.ArrayDeque<long[]> open = new java.util.ArrayDeque<>();
        java.util.Random random = new java.util.Random(42);
        for (int step = 0; step < 200_000; step++) {
            if (open.size() < 10_240) {
                int p = random.nextInt(providers.length);
                long lease = ++next[p];
                calls.admitted(new KeycycleEvent.Admitted(T0, providers[p], "s", Events.FP_A, "m", 1, lease));
                open.add(new long[] {p, lease});
            }
            if (open.size() >= 10_240 || random.nextInt(3) == 0) { // settle the oldest (or, now and then, a young one: a long stream stays)
                long[] call = random.nextInt(5) == 0 ? open.pollLast() : open.pollFirst();
                StoredEvent.Usage u = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(call[1], 1, 1), step, 12);
                calls.release(calls.settling(providers[(int) call[0]], call[1], Events.FP_A, "m", u));
            }
        }
        assertThat(calls.unrecorded()).isZero();
        assertThat(calls.open()).isEqualTo(open.size());
    }

    /**
     * A late usage report of an abandoned call settles the same lease again, possibly before the
     * abandonment's line is written: it must not take the slot too (the slot would be freed twice and
     * handed to two calls at once).
     */
    @Test
    void aSecondSettlementOfOneCallLeavesItsSlotAlone(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 13, 64);
        calls.admitted(admitted(5));
        StoredEvent.Usage abandoned = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(5, 0, 0), 1, 13);
        StoredEvent.Usage late = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(5, 30, 40), 2, 13);
        int entry = calls.settling("groq", 5, Events.FP_A, "m", abandoned);
        assertThat(entry).isNotNegative();
        assertThat(calls.settling("groq", 5, Events.FP_A, "m", late)).isNegative();
        assertThat(CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(13)))).as("the first settlement's record").containsExactly(abandoned);
        calls.release(entry);
        calls.release(-1);
        calls.admitted(admitted(6));
        calls.admitted(admitted(7));
        List<StoredEvent.Usage> open = CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(13)));
        assertThat(open).hasSize(2);
        assertThat(open.get(0).eventId().substring(0, 8)).as("two calls, two slots").isNotEqualTo(open.get(1).eventId().substring(0, 8));
    }

    @Test
    void aCloseWithACallInFlightKeepsTheFileUntilItSettles(@TempDir Path dir) throws Exception {
        CallsInFlight calls = CallsInFlight.open(dir, 9, 64);
        Path file = dir.resolve(CallsInFlight.fileName(9));
        calls.admitted(admitted(5));
        calls.close();
        assertThat(file).as("a process that ends now leaves the call to the next start").exists();
        StoredEvent.Usage line = (StoredEvent.Usage) StoredEvent.of(CallsInFlightChild.settled(5, 1, 1), 1, 9);
        calls.release(calls.settling("groq", 5, Events.FP_A, "m", line));
        assertThat(file).as("gone once the last call settled").doesNotExist();
    }

    @Test
    void theSlotCountIsConfiguredByEnvironmentAndZeroTurnsTheFileOff(@TempDir Path dir) throws Exception {
        assertThat(StoreConfig.fromEnv(Map.of()).inFlightSlots()).isEqualTo(StoreConfig.DEFAULT_IN_FLIGHT_SLOTS);
        assertThat(StoreConfig.fromEnv(Map.of("KEYCYCLE_STORE_IN_FLIGHT_SLOTS", "0")).inFlightSlots()).isZero();
        assertThatThrownBy(() -> StoreConfig.fromEnv(Map.of("KEYCYCLE_STORE_IN_FLIGHT_SLOTS", "many")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("KEYCYCLE_STORE_IN_FLIGHT_SLOTS").hasMessageContaining("'many'");
        assertThatThrownBy(() -> StoreConfig.builder(DatabaseUrl.DEFAULT_URL).inFlightSlots(-1))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("inFlightSlots");
        assertThat(CallsInFlight.slots(1000)).isEqualTo(1024);
        assertThat(CallsInFlight.slots(1)).isEqualTo(64);
        assertThat(CallsInFlight.open(dir, 1, 0)).isNull();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    static List<Path> slotFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> CallsInFlight.isSlotsFile(p.getFileName().toString())).toList();
        }
    }
}
