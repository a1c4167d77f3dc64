package io.keycycle.redis;

import io.keycycle.core.DailyReset;
import io.keycycle.core.EngineTime;
import io.keycycle.core.Limits;

/**
 * One quota bucket as Redis knows it: the hash holding its windows ({@code {prefix}:w4:provider:scope:model}),
 * the hash of its scope's holds, its limits and how its day resets. Names hold provider, scope and
 * model only: fingerprints at most, never a secret.
 *
 * <p>{@code keepsReservation}: its provider keeps what it reserved at a call's arrival (Cerebras), so a
 * reservation made on this bucket and expired without a settlement (its instance died) stays
 * charged with its tokens; otherwise only its requests stay counted.
 */
public record BucketRef(String key, String scopeKey, String provider, String scope, String model, Limits limits, DailyReset reset,
                        EngineTime time, boolean keepsReservation) {

    /**
     * The layout of a bucket's value (see keycycle.lua and docs/cluster.md), part of its key name
     * ({@code :w4:}), so that instances of another layout never read or overwrite each other's buckets.
     */
    public static final int LAYOUT = 4;

    public static BucketRef of(String prefix, String provider, String scope, String model, Limits limits, DailyReset reset) {
        return of(prefix, provider, scope, model, limits, reset, null);
    }

    /** With {@code time}, the engine time its instants are on (calendar days are wall-clock facts); null: wall-clock instants. */
    public static BucketRef of(String prefix, String provider, String scope, String model, Limits limits, DailyReset reset, EngineTime time) {
        return new BucketRef(prefix + ":w" + LAYOUT + ":" + scopePart(provider) + ":" + scopePart(scope) + ":" + namePart(model),
                scopeKey(prefix, provider, scope), provider, scope, model, limits, reset, time, false);
    }

    /** The hash of a scope's holds ({@code {prefix}:sc:provider:scope}). */
    public static String scopeKey(String prefix, String provider, String scope) {
        return prefix + ":sc:" + scopePart(provider) + ":" + scopePart(scope);
    }

    /**
     * A scope (or a provider's name, which may hold the same characters) as a part of a key name or
     * a field of a fleet message: {@code :} (which separates it from the model: scope
     * {@code a:b} with model {@code c} and scope {@code a} with model {@code b:c} named one bucket),
     * {@code |} (which separates the fields of the fleet's messages, where bucket keys travel) and
     * {@code %} are percent-encoded. A scope without them is its own part, so key names written by
     * earlier versions stay the same.
     */
    static String scopePart(String scope) {
        return encode(scope, true);
    }

    /** A model as the last part of a key name: {@code |} and {@code %} percent-encoded ({@code :} stays, as in {@code :free}). */
    static String namePart(String model) {
        return encode(model, false);
    }

    /**
     * The name {@link #scopePart} or {@link #namePart} encoded, as it was before: {@code %3A},
     * {@code %7C} and {@code %25} back to {@code :}, {@code |} and {@code %}. A name without
     * {@code %} is returned as it is.
     */
    static String decode(String s) {
        int i = s.indexOf('%');
        if (i < 0) return s;
        StringBuilder b = new StringBuilder(s.length()).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                String code = s.substring(i + 1, i + 3);
                char d = code.equals("25") ? '%' : code.equalsIgnoreCase("7C") ? '|' : code.equalsIgnoreCase("3A") ? ':' : 0;
                if (d != 0) {
                    b.append(d);
                    i += 2;
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String encode(String s, boolean colon) {
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '%' || c == '|' || colon && c == ':') break;
            i++;
        }
        if (i == n) return s;
        StringBuilder b = new StringBuilder(n + 8).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == '%') b.append("%25");
            else if (c == '|') b.append("%7C");
            else if (colon && c == ':') b.append("%3A");
            else b.append(c);
        }
        return b.toString();
    }

    public BucketRef withLimits(Limits l) { return new BucketRef(key, scopeKey, provider, scope, model, l, reset, time, keepsReservation); }

    /** This bucket, its reservations kept charged at an expiry ({@code keep}) or not. */
    public BucketRef withKeptReservations(boolean keep) {
        return keep == keepsReservation ? this : new BucketRef(key, scopeKey, provider, scope, model, limits, reset, time, keep);
    }
}
