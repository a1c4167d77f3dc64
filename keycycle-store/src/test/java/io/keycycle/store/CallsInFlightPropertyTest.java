package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any sequence of admissions, settlements (first and repeated) and releases over three pools, on a
 * table of 64 slots that fills up: what a crash at the end would leave (the file read back) is
 * exactly the calls not yet released — an admitted one as {@code UNFINISHED} with its reservation,
 * a settled one as its record — each once, and the table counts what it could not keep.
 */
class CallsInFlightPropertyTest {

    private static final String[] PROVIDERS = {"groq", "cerebras", "gemini"};
    private static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");

    /** An operation: 0 admit, 1 settle, 2 release, 3 settle a settled call again; {@code pick} chooses among the candidates. */
    record Op(int kind, int provider, int pick) { }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Arbitraries.integers().between(0, 9).flatMap(k -> Arbitraries.integers().between(0, 2)
                .flatMap(p -> Arbitraries.integers().between(0, 1_000).map(pick ->
                        new Op(k < 5 ? 0 : k < 7 ? 1 : k < 9 ? 2 : 3, p, pick))));
        return op.list().ofMinSize(1).ofMaxSize(400);
    }

    /** What the model knows of one call. */
    private static final class Call {
        final int provider;
        final long lease;
        StoredEvent.Usage settled;
        int entry = -1;

        Call(int provider, long lease) {
            this.provider = provider;
            this.lease = lease;
        }

        long estimate() { return lease * 10 + provider; }
    }

    @Property(tries = 200)
    void whatACrashLeavesIsExactlyTheCallsNotYetReleased(@ForAll("ops") List<Op> ops) throws Exception {
        Path dir = Files.createTempDirectory("kc-inflight-prop-");
        try {
            CallsInFlight calls = CallsInFlight.open(dir, 0x77, 64);
            long[] next = new long[PROVIDERS.length];
            Map<String, Call> open = new LinkedHashMap<>();
            long unrecorded = 0;
            long seq = 0;
            for (Op op : ops) {
                List<Call> admitted = open.values().stream().filter(c -> c.settled == null).toList();
                List<Call> settled = open.values().stream().filter(c -> c.settled != null).toList();
                switch (op.kind()) {
                    case 0 -> {
                        Call c = new Call(op.provider(), ++next[op.provider()]);
                        calls.admitted(new KeycycleEvent.Admitted(T0.plusMillis(c.lease), PROVIDERS[c.provider], "scope", Events.FP_A,
                                "m", c.estimate(), c.lease));
                        if (open.size() < 64) open.put(PROVIDERS[c.provider] + c.lease, c); else unrecorded++;
                    }
                    case 1 -> {
                        if (admitted.isEmpty()) continue;
                        Call c = admitted.get(op.pick() % admitted.size());
                        c.settled = new StoredEvent.Usage(++seq, StoredEvent.eventId(seq, 0x77), PROVIDERS[c.provider], "scope",
                                Events.FP_A, "m", T0.plusMillis(c.lease + 500).toEpochMilli(), 1, c.lease, 1, c.lease + 1, "SUCCESS", 200);
                        c.entry = calls.settling(PROVIDERS[c.provider], c.lease, Events.FP_A, "m", c.settled);
                        assertThat(c.entry).as("a kept call is found at its settlement").isNotNegative();
                    }
                    case 2 -> {
                        if (settled.isEmpty()) continue;
                        Call c = settled.get(op.pick() % settled.size());
                        calls.release(c.entry);
                        open.remove(PROVIDERS[c.provider] + c.lease);
                    }
                    default -> {
                        if (settled.isEmpty()) continue;
                        Call c = settled.get(op.pick() % settled.size());
                        StoredEvent.Usage late = new StoredEvent.Usage(++seq, StoredEvent.eventId(seq, 0x77), PROVIDERS[c.provider],
                                "scope", Events.FP_A, "m", 0, 0, 5, 5, 10, "SUCCESS", 200);
                        assertThat(calls.settling(PROVIDERS[c.provider], c.lease, Events.FP_A, "m", late))
                                .as("a second settlement of one call").isNegative();
                    }
                }
            }
            assertThat(calls.open()).isEqualTo(open.size());
            assertThat(calls.unrecorded()).isEqualTo(unrecorded);

            List<StoredEvent.Usage> left = CallsInFlight.recover(dir.resolve(CallsInFlight.fileName(0x77)));
            List<StoredEvent.Usage> expectedSettled = open.values().stream().filter(c -> c.settled != null).map(c -> c.settled).toList();
            List<String> expectedUnfinished = open.values().stream().filter(c -> c.settled == null)
                    .map(c -> PROVIDERS[c.provider] + "/" + c.estimate()).sorted().toList();
            assertThat(left.stream().filter(u -> !StoredEvent.UNFINISHED.equals(u.outcome())).toList())
                    .containsExactlyInAnyOrderElementsOf(expectedSettled);
            List<StoredEvent.Usage> unfinished = left.stream().filter(u -> StoredEvent.UNFINISHED.equals(u.outcome())).toList();
            assertThat(unfinished.stream().map(u -> u.provider() + "/" + u.chargedTokens()).sorted().toList()).isEqualTo(expectedUnfinished);
            assertThat(unfinished.stream().map(StoredEvent.Usage::eventId).distinct().count()).as("ids unique").isEqualTo(unfinished.size());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
