package io.keycycle.sim;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The requests and tokens admitted within one window, kept as an exact list of (time, tokens).
 * A sliding window forgets an entry {@code length} after it was admitted; a calendar window
 * forgets everything at midnight of its zone. Not thread-safe: {@link Bucket} guards it.
 */
final class Window {

    private final long lengthMs;
    private final ZoneId calendarZone;
    private final ArrayDeque<long[]> entries = new ArrayDeque<>();
    private long tokens;

    private Window(long lengthMs, ZoneId calendarZone) {
        this.lengthMs = lengthMs;
        this.calendarZone = calendarZone;
    }

    static Window sliding(long lengthMs) {
        return new Window(lengthMs, null);
    }

    static Window calendarDay(ZoneId zone) {
        return new Window(86_400_000L, zone);
    }

    /** Drops entries that have left the window at {@code now}. */
    void evict(long now) {
        while (!entries.isEmpty() && expiry(entries.peekFirst()[0], now) <= now) {
            tokens -= entries.pollFirst()[1];
        }
    }

    void add(long now, long tokenCount) {
        entries.addLast(new long[] {now, tokenCount});
        tokens += tokenCount;
    }

    long requests() {
        return entries.size();
    }

    long tokens() {
        return tokens;
    }

    /** Milliseconds until one more request fits under {@code limit}. */
    long waitForRequests(long limit, long now) {
        if (limit <= 0) {
            return untilFullReset(now, lengthMs);
        }
        long mustExpire = entries.size() - limit;  // index of the entry whose expiry frees a slot
        Iterator<long[]> it = entries.iterator();
        for (long i = 0; it.hasNext(); i++) {
            long[] e = it.next();
            if (i == mustExpire) {
                return Math.max(0, expiry(e[0], now) - now);
            }
        }
        return 0;
    }

    /** Milliseconds until {@code requested} more tokens fit under {@code limit}; requires requested <= limit. */
    long waitForTokens(long limit, long requested, long now) {
        long freed = 0;
        for (long[] e : entries) {
            if (tokens - freed + requested <= limit) {
                break;
            }
            freed += e[1];
            if (tokens - freed + requested <= limit) {
                return Math.max(0, expiry(e[0], now) - now);
            }
        }
        return 0;
    }

    /** Milliseconds until the oldest entry leaves (0 when empty): the "reset" a provider header reports. */
    long untilNextRelease(long now) {
        return entries.isEmpty() ? 0 : Math.max(0, expiry(entries.peekFirst()[0], now) - now);
    }

    /** Next calendar reset after {@code now}, or {@code now + fallbackMs} for a sliding window. */
    long untilFullReset(long now, long fallbackMs) {
        if (calendarZone == null) {
            return fallbackMs;
        }
        return nextMidnight(now) - now;
    }

    boolean isCalendar() {
        return calendarZone != null;
    }

    void clear() {
        entries.clear();
        tokens = 0;
    }

    private long expiry(long admittedAt, long now) {
        return calendarZone == null ? admittedAt + lengthMs : nextMidnight(admittedAt);
    }

    private long nextMidnight(long t) {
        LocalDate day = Instant.ofEpochMilli(t).atZone(calendarZone).toLocalDate();
        return day.plusDays(1).atStartOfDay(calendarZone).toInstant().toEpochMilli();
    }
}
