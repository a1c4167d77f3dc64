package io.keycycle.core.pool;

import io.keycycle.core.Limits;
import io.keycycle.core.OutcomeKind;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the engine words the reason of a hold it sets (a cooldown, a day-park, a disabled key), and
 * how a reader tells the cause back from it: one place for the words written and the words read.
 * A reason starts with the engine's own words ({@code "rate-limited (rpm): "}), then carries free
 * text (the provider's message, an operator's note) that no reader may rely on.
 */
public final class HoldReasons {

    public static final String RATE_LIMITED = "rate-limited";
    public static final String QUOTA_EXHAUSTED = "daily quota exhausted";
    public static final String ZERO_REMAINING = "provider reports 0 remaining";
    public static final String PAYMENT_TRANSIENT = "payment (transient)";
    public static final String OPERATOR = "disabled by operator";
    /** A model backed off after transient failures in a row ({@link PoolPolicy#transientTrip()}). */
    public static final String FAILING = "provider failing";

    private static final Pattern METRIC = Pattern.compile("^[^:]*?\\b(rpm|rph|rpd|tpm|tph|tpd)\\b");

    private HoldReasons() { }

    /** {@code "rate-limited (rpm)"}: a prefix with the limit concerned, when known. */
    static String withMetric(String prefix, Limits.Metric metric) {
        return metric == null ? prefix : prefix + " (" + metric.key() + ")";
    }

    /** A disabled key's prefix for what the provider answered: {@code "key invalid"}, {@code "key suspended"}, {@code "payment"}. */
    public static String of(OutcomeKind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /**
     * The cause of a hold from a fixed set, read off the start of its reason: {@code rate_limited},
     * {@code quota_exhausted}, {@code zero_remaining} (the provider's headers said 0 left),
     * {@code operator}, {@code key_invalid}, {@code key_suspended}, {@code payment},
     * {@code payment_transient}, else {@code other}. Safe as a metric label.
     */
    public static String cause(String reason) {
        String r = reason == null ? "" : reason.toLowerCase(Locale.ROOT);
        if (r.startsWith(RATE_LIMITED)) return "rate_limited";
        if (r.startsWith(QUOTA_EXHAUSTED)) return "quota_exhausted";
        if (r.startsWith(ZERO_REMAINING)) return "zero_remaining";
        if (r.startsWith(OPERATOR)) return "operator";
        if (r.startsWith(PAYMENT_TRANSIENT)) return "payment_transient";
        for (OutcomeKind k : new OutcomeKind[]{OutcomeKind.KEY_INVALID, OutcomeKind.KEY_SUSPENDED, OutcomeKind.PAYMENT}) {
            if (r.startsWith(of(k))) return k.name().toLowerCase(Locale.ROOT);
        }
        return "other";
    }

    /** The limit a hold is about ({@code rpm} … {@code tpd}) when the engine's words name one, else empty. */
    public static String metric(String reason) {
        if (reason == null) return "";
        Matcher m = METRIC.matcher(reason);
        return m.find() ? m.group(1) : "";
    }
}
