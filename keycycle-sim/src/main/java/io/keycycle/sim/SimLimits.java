package io.keycycle.sim;

import java.util.Locale;
import java.util.Map;

/**
 * The six limits the simulator enforces for one bucket: requests and tokens per minute, hour and
 * day. {@link #NONE} means absent. Zero is a real limit (nothing is admitted; on Gemini a zero
 * anywhere means "no free tier" and produces the {@code limit: 0} 429).
 *
 * <p>Build fluently: {@code SimLimits.UNLIMITED.rpm(30).tpm(6000)}.
 */
public record SimLimits(long rpm, long rph, long rpd, long tpm, long tph, long tpd) {

    public static final long NONE = -1;
    public static final SimLimits UNLIMITED = new SimLimits(NONE, NONE, NONE, NONE, NONE, NONE);

    public SimLimits {
        check("rpm", rpm); check("rph", rph); check("rpd", rpd);
        check("tpm", tpm); check("tph", tph); check("tpd", tpd);
    }

    private static void check(String name, long v) {
        if (v < NONE) {
            throw new IllegalArgumentException(name + " must be >= 0 (or absent), was " + v);
        }
    }

    public SimLimits rpm(long v) { return new SimLimits(v, rph, rpd, tpm, tph, tpd); }
    public SimLimits rph(long v) { return new SimLimits(rpm, v, rpd, tpm, tph, tpd); }
    public SimLimits rpd(long v) { return new SimLimits(rpm, rph, v, tpm, tph, tpd); }
    public SimLimits tpm(long v) { return new SimLimits(rpm, rph, rpd, v, tph, tpd); }
    public SimLimits tph(long v) { return new SimLimits(rpm, rph, rpd, tpm, v, tpd); }
    public SimLimits tpd(long v) { return new SimLimits(rpm, rph, rpd, tpm, tph, v); }

    long get(Metric m) {
        return switch (m) {
            case RPM -> rpm; case RPH -> rph; case RPD -> rpd;
            case TPM -> tpm; case TPH -> tph; case TPD -> tpd;
        };
    }

    /** True when some metric is zero: the model cannot be used at all. */
    public boolean hasZero() {
        for (Metric m : Metric.values()) {
            if (get(m) == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads {@code {rpm: 30, tpd: 100000}}; unknown names are rejected.
     *
     * @param where names the map in error messages, e.g. {@code groq/llama-3.3-70b-versatile}
     */
    public static SimLimits fromMap(Map<String, ?> map, String where) {
        SimLimits l = UNLIMITED;
        for (Map.Entry<String, ?> e : map.entrySet()) {
            long v;
            if (e.getValue() instanceof Number n) {
                v = n.longValue();
            } else {
                throw new IllegalArgumentException(e.getKey() + " must be a number for " + where
                        + ", was " + e.getValue());
            }
            l = switch (e.getKey().toLowerCase(Locale.ROOT)) {
                case "rpm" -> l.rpm(v); case "rph" -> l.rph(v); case "rpd" -> l.rpd(v);
                case "tpm" -> l.tpm(v); case "tph" -> l.tph(v); case "tpd" -> l.tpd(v);
                default -> throw new IllegalArgumentException("unknown limit '" + e.getKey() + "' for " + where
                        + ", expected rpm, rph, rpd, tpm, tph or tpd");
            };
        }
        return l;
    }
}
