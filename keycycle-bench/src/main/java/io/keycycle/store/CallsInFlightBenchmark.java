package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What the file of calls in flight adds to one call: the slot filled at admission (names, reserved
 * tokens, instant), the settled record written into it, and its release, as the store does for
 * every call ({@code admitted} + {@code settling} + {@code release}), on the default 16,384 slots.
 * Lives in the store's package because the table is package-private: the store's own code, timed
 * alone. Each thread cycles through 4,096 leases of its own (a gateway event loop's calls), with the
 * names of a real Groq call; run with {@code -t 2} for two event loops at once.
 */
@State(Scope.Benchmark)
public class CallsInFlightBenchmark {

    CallsInFlight calls;
    Path dir;
    final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("kc-bench-inflight-");
        calls = CallsInFlight.open(dir, 0x5eed, StoreConfig.DEFAULT_IN_FLIGHT_SLOTS);
        if (calls == null) throw new IllegalStateException("no file of calls in flight in " + dir);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (calls.open() != 0) throw new IllegalStateException(calls.open() + " slots left taken");
        if (calls.unrecorded() != 0) throw new IllegalStateException(calls.unrecorded() + " calls without a slot");
        calls.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** One thread's calls: admissions and their settled records, made once. */
    @State(Scope.Thread)
    public static class Calls {
        static final int N = 4096;
        final KeycycleEvent.Admitted[] admitted = new KeycycleEvent.Admitted[N];
        final StoredEvent.Usage[] settled = new StoredEvent.Usage[N];
        int next;

        @Setup(Level.Trial)
        public void make(CallsInFlightBenchmark b) {
            long first = 1 + (long) b.threads.getAndIncrement() * 1_000_000;
            Instant t0 = Instant.parse("2026-12-05T09:00:00Z");
            for (int i = 0; i < N; i++) {
                long lease = first + i;
                admitted[i] = new KeycycleEvent.Admitted(t0.plusMillis(i), "groq", "org_01jq8w7d3k2m9x4v5n6b7c8d9e",
                        "gsk_…7Fq2", "llama-3.3-70b-versatile", 1_180, lease);
                settled[i] = new StoredEvent.Usage(lease, StoredEvent.eventId(lease, 0x5eed), "groq", "org_01jq8w7d3k2m9x4v5n6b7c8d9e",
                        "gsk_…7Fq2", "llama-3.3-70b-versatile", t0.plusMillis(i + 300).toEpochMilli(), 1, 180, 42, 222, "SUCCESS", 200);
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int admitSettleRelease(Calls c) {
        int i = c.next;
        c.next = i + 1 == Calls.N ? 0 : i + 1;
        KeycycleEvent.Admitted a = c.admitted[i];
        calls.admitted(a);
        int slot = calls.settling(a.provider(), a.leaseId(), a.fingerprint(), a.model(), c.settled[i]);
        calls.release(slot);
        return slot;
    }
}
