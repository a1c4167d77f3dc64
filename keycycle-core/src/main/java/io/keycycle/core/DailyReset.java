package io.keycycle.core;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * When a provider's daily limits reset: a sliding 24-hour window (Cerebras, Groq) or a calendar
 * midnight in a zone (Gemini: America/Los_Angeles, OpenRouter: UTC).
 */
public final class DailyReset {

    private static final DailyReset SLIDING = new DailyReset(null);

    private final ZoneId zone;

    private DailyReset(ZoneId zone) { this.zone = zone; }

    public static DailyReset sliding() { return SLIDING; }

    public static DailyReset midnight(ZoneId zone) { return new DailyReset(Objects.requireNonNull(zone)); }

    /** Parses {@code sliding} or {@code midnight <zone>} (e.g. {@code midnight America/Los_Angeles}). */
    public static DailyReset parse(String s) {
        String t = s.trim();
        if (t.equalsIgnoreCase("sliding")) return SLIDING;
        if (t.toLowerCase(java.util.Locale.ROOT).startsWith("midnight")) {
            String z = t.substring("midnight".length()).trim();
            try {
                return midnight(z.isEmpty() ? ZoneId.of("UTC") : ZoneId.of(z));
            } catch (java.time.DateTimeException e) {
                throw new ConfigurationException("daily-reset '" + s + "': unknown time zone '" + z + "'");
            }
        }
        throw new ConfigurationException("daily-reset '" + s + "': expected 'sliding' or 'midnight <zone>'");
    }

    public boolean isCalendar() { return zone != null; }

    /** The zone of the calendar reset; null when sliding. */
    public ZoneId zone() { return zone; }

    /** The next reset strictly after {@code now}; for a sliding window, now + 24 h. */
    public Instant nextReset(Instant now) {
        if (zone == null) return now.plusMillis(Limits.Span.DAY.millis());
        LocalDate day = now.atZone(zone).toLocalDate().plusDays(1);
        return day.atStartOfDay(zone).toInstant();
    }

    /** Start of the calendar day containing {@code now} (epoch millis); only for calendar resets. */
    public long dayStartMillis(long nowMillis) {
        Instant now = Instant.ofEpochMilli(nowMillis);
        return now.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant().toEpochMilli();
    }

    @Override public String toString() { return zone == null ? "sliding" : "midnight " + zone.getId(); }
    @Override public boolean equals(Object o) { return o instanceof DailyReset d && Objects.equals(d.zone, zone); }
    @Override public int hashCode() { return Objects.hashCode(zone); }
}
