package io.keycycle.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What this instance itself counted in the last day, per bucket, coalesced into time slots: the
 * source for re-seeding a Redis that lost its data. Usage of the last hour is kept per 2.5 s (the
 * minute window's sub-bucket), older usage per 2.5 min (the hour window's); each slot is replayed
 * at its end, so replayed usage leaves a window no earlier than the real usage did (it may stay a
 * little longer: conservative). Memory: at most about 2,000 slots per busy bucket.
 */
final class OwnUsage {

    private static final long FINE = 2_500, COARSE = 150_000, FINE_AGE = 3_600_000, MAX_AGE = 86_400_000 + COARSE;

    record Slot(BucketRef bucket, long end, long requests, long tokens) { }

    private record Key(BucketRef bucket, long slot, boolean fine) { }

    private final Map<Key, AtomicLongArray> slots = new ConcurrentHashMap<>();

    /** Adds usage counted at {@code at} (negative values take it back). */
    void add(BucketRef bucket, long at, long requests, long tokens) {
        if (requests == 0 && tokens == 0) return;
        AtomicLongArray a = slots.computeIfAbsent(new Key(bucket, Math.floorDiv(at, FINE), true), k -> new AtomicLongArray(2));
        a.addAndGet(0, requests);
        a.addAndGet(1, tokens);
    }

    /** Folds slots older than an hour into coarse ones and drops what is older than a day. */
    void prune(long now) {
        for (Map.Entry<Key, AtomicLongArray> e : slots.entrySet()) {
            Key k = e.getKey();
            long end = (k.slot + 1) * (k.fine ? FINE : COARSE);
            if (end < now - MAX_AGE) {
                slots.remove(k);
            } else if (k.fine && end < now - FINE_AGE && slots.remove(k) != null) {
                AtomicLongArray a = e.getValue();
                AtomicLongArray c = slots.computeIfAbsent(new Key(k.bucket, Math.floorDiv(k.slot * FINE, COARSE), false), x -> new AtomicLongArray(2));
                c.addAndGet(0, a.get(0));
                c.addAndGet(1, a.get(1));
            }
        }
    }

    /** Every slot with usage, each with the instant it is replayed at (its end, at most {@code now}). */
    List<Slot> slots(long now) {
        List<Slot> out = new ArrayList<>();
        for (Map.Entry<Key, AtomicLongArray> e : slots.entrySet()) {
            long r = e.getValue().get(0), t = e.getValue().get(1);
            if (r <= 0 && t <= 0) continue;
            Key k = e.getKey();
            long end = Math.min(now, (k.slot + 1) * (k.fine ? FINE : COARSE) - 1);
            out.add(new Slot(k.bucket, end, Math.max(0, r), Math.max(0, t)));
        }
        return out;
    }

    int size() { return slots.size(); }
}
