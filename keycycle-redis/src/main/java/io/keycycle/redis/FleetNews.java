package io.keycycle.redis;

import io.keycycle.core.Limits;
import io.keycycle.core.pool.PoolStateStore.LearnedLimit;

import java.time.Instant;

/**
 * What other instances announce on the fleet's channel, applied to this instance's caches:
 * {@code freed} (capacity came back: hints cleared, waiters woken), {@code hold}, {@code key},
 * {@code model} and {@code learn} (a state changed: the message carries the new value, in Redis
 * time, so nothing is read back from Redis on Lettuce's event loop).
 */
final class FleetNews {

    private final RedisStateStore store;

    FleetNews(RedisStateStore store) { this.store = store; }

    void onMessage(String[] m) {
        if (m.length < 3) return;
        // names travel encoded (BucketRef.scopePart, namePart): a '|' in one no longer shifts the fields
        String provider = BucketRef.decode(m[1]);
        switch (m[0]) {
            case "freed" -> {
                String model = m.length > 2 ? BucketRef.decode(m[2]) : "*";
                for (RedisBucket b : store.allBuckets()) {
                    if ((provider.equals("*") || b.id().provider().equals(provider)) && (model.equals("*") || b.id().model().equals(model))) b.clearHint();
                }
                store.notifyListeners(provider.equals("*") ? null : provider, model.equals("*") ? null : model);
            }
            case "hold" -> {
                if (m.length < 6) return;
                String key = m[2];
                SharedHold h;
                String model = null;
                RedisBucket b = store.bucketByKey(key);
                if (b != null) {
                    h = b.sharedHold();
                    model = b.id().model();
                } else {
                    h = store.scopeHold(key);
                }
                if (h == null) return;
                if (m[3].equals("clear")) {
                    h.clearCached();
                    if (b != null) b.clearHint(); // an operator's release: this instance's "blocked until" hint goes too
                } else {
                    h.cached(m[3].equals("cu"), store.windows().toLocal(FleetNews.parse(m[4]), 0), rest(m, 5));
                }
                store.notifyListeners(provider, model == null || model.equals("*") ? null : model);
            }
            case "key" -> {
                SharedKeyFlag f = store.keyFlag(provider + "\u0000" + BucketRef.decode(m[2]));
                if (f != null && m.length >= 6) f.cached(m[3].equals("1"), rest(m, 5), store.windows().toLocal(FleetNews.parse(m[4]), 0));
                store.notifyListeners(provider, null);
            }
            case "model" -> {
                String model = BucketRef.decode(m[2]);
                SharedModelFlag f = store.modelFlag(provider + "\u0000" + model);
                if (f != null && m.length >= 6) applyModel(f, new String[]{m[3], m[4], rest(m, 5)});
                store.notifyListeners(provider, model);
            }
            case "learn" -> {
                RedisBucket b = store.bucketByKey(m[2]);
                if (b != null && m.length >= 7) applyLearned(b, new String[]{m[3], m[4], m[5], rest(m, 6)});
                store.notifyListeners(provider, b == null ? null : b.id().model());
            }
            default -> { }
        }
    }

    void applyModel(SharedModelFlag f, String[] v) {
        long recheck = FleetNews.parse(v[0]), backoff = FleetNews.parse(v[1]);
        f.apply(recheck > 0 ? store.windows().toLocal(recheck, 0) : 0, backoff > 0 ? store.windows().toLocal(backoff, 0) : 0, v.length > 2 ? v[2] : "");
    }

    static void applyLearned(RedisBucket b, String[] v) {
        if (v.length < 4) return;
        try {
            b.adopt(new LearnedLimit(Limits.Metric.parse(v[0]), Long.parseLong(v[1]), v[3], Instant.ofEpochMilli(Long.parseLong(v[2]))));
        } catch (RuntimeException ignored) {
            // a malformed entry is skipped
        }
    }


    /**
     * The start of a message: its kind and the provider, encoded ({@link BucketRef#scopePart}) so that
     * a {@code |} in the provider's name does not shift the fields; {@link #onMessage} decodes it.
     */
    static String head(String kind, String provider) {
        return kind + "|" + BucketRef.scopePart(provider) + "|";
    }

    /**
     * The last field of a message, free text (a reason, a source) that may itself hold {@code |}: the
     * parts from {@code from} on, joined again. Empty when the message has no such field.
     */
    static String rest(String[] m, int from) {
        if (m.length <= from) return "";
        if (m.length == from + 1) return m[from];
        return String.join("|", java.util.Arrays.asList(m).subList(from, m.length));
    }

    static long parse(String s) {
        try {
            return s == null || s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
