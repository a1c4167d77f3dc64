package io.keycycle.core;

/**
 * The six limits of one quota bucket: requests and tokens per minute, hour and day.
 * {@link #NONE} (-1) means "no limit on this metric". Zero is a real limit: the model has no
 * quota at all (Gemini models without a free tier).
 */
public record Limits(long rpm, long rph, long rpd, long tpm, long tph, long tpd) {

    public static final long NONE = -1;
    public static final Limits UNLIMITED = new Limits(NONE, NONE, NONE, NONE, NONE, NONE);

    public Limits {
        check("rpm", rpm); check("rph", rph); check("rpd", rpd);
        check("tpm", tpm); check("tph", tph); check("tpd", tpd);
    }

    private static void check(String name, long v) {
        if (v < NONE) {
            throw new ConfigurationException(name + " must be >= 0 (or absent), was " + v);
        }
    }

    /** Request limit for a window, or {@link #NONE}. */
    public long requests(Span span) {
        return switch (span) { case MINUTE -> rpm; case HOUR -> rph; case DAY -> rpd; };
    }

    /** Token limit for a window, or {@link #NONE}. */
    public long tokens(Span span) {
        return switch (span) { case MINUTE -> tpm; case HOUR -> tph; case DAY -> tpd; };
    }

    public long get(Metric metric) {
        return metric.tokens() ? tokens(metric.span()) : requests(metric.span());
    }

    public Limits with(Metric metric, long value) {
        return new Limits(
                metric == Metric.RPM ? value : rpm, metric == Metric.RPH ? value : rph,
                metric == Metric.RPD ? value : rpd, metric == Metric.TPM ? value : tpm,
                metric == Metric.TPH ? value : tph, metric == Metric.TPD ? value : tpd);
    }

    /** True when every metric is zero-quota, i.e. the model cannot be used at all. */
    public boolean isZero() {
        for (Metric m : Metric.values()) {
            if (get(m) == 0) return true;
        }
        return false;
    }

    /** Per-metric minimum, {@link #NONE} counting as infinite. */
    public Limits min(Limits o) {
        Limits r = this;
        for (Metric m : Metric.values()) {
            long a = get(m), b = o.get(m);
            long v = a == NONE ? b : b == NONE ? a : Math.min(a, b);
            r = r.with(m, v);
        }
        return r;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Metric m : Metric.values()) {
            long v = get(m);
            if (v != NONE) {
                if (sb.length() > 1) sb.append(", ");
                sb.append(m.key()).append('=').append(v);
            }
        }
        return sb.append('}').toString();
    }

    /** The three window lengths. */
    public enum Span {
        MINUTE(60_000L), HOUR(3_600_000L), DAY(86_400_000L);

        private final long millis;

        Span(long millis) { this.millis = millis; }

        public long millis() { return millis; }
    }

    /** The six metrics, named as in configuration files ({@code rpm}, {@code tpd}, ...). */
    public enum Metric {
        RPM(Span.MINUTE, false), RPH(Span.HOUR, false), RPD(Span.DAY, false),
        TPM(Span.MINUTE, true), TPH(Span.HOUR, true), TPD(Span.DAY, true);

        private final Span span;
        private final boolean tokens;

        Metric(Span span, boolean tokens) { this.span = span; this.tokens = tokens; }

        public Span span() { return span; }
        public boolean tokens() { return tokens; }
        public String key() { return name().toLowerCase(java.util.Locale.ROOT); }

        public static Metric of(Span span, boolean tokens) {
            for (Metric m : values()) if (m.span == span && m.tokens == tokens) return m;
            throw new IllegalArgumentException();
        }

        public static Metric parse(String key) {
            for (Metric m : values()) if (m.key().equalsIgnoreCase(key)) return m;
            throw new ConfigurationException("unknown limit '" + key + "': expected one of rpm, rph, rpd, tpm, tph, tpd");
        }
    }
}
