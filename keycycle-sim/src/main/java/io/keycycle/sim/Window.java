package io.keycycle.sim;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The requests and tokens admitted within one window. A sliding window keeps an exact list of
 * (time, tokens) and forgets an entry {@code length} after it was admitted; a calendar window
 * forgets everything at midnight of its zone; a refilling window (Groq's day) is a bucket whose
 * used requests and tokens drain continuously at {@code limit / length}, so each request's share
 * of the limit comes back {@code length / limit} after it was spent. Not thread-safe:
 * {@link Bucket} guards it.
 */
final class Window {

    private final long lengthMs;
    private final ZoneId calendarZone;
    private final boolean refilling;
    private final ArrayDeque<long[]> entries = new ArrayDeque<>();
    private long tokens;
    // refilling only: the used amounts, the limits that set their drain rates, and when last drained
    private double requestLevel;
    private double tokenLevel;
    private long requestLimit = SimLimits.NONE;
    private long tokenLimit = SimLimits.NONE;
    private long drainedAt = Long.MIN_VALUE;

    private Window(long lengthMs, ZoneId calendarZone, boolean refilling) {
        this.lengthMs = lengthMs;
        this.calendarZone = calendarZone;
        this.refilling = refilling;
    }

    static Window sliding(long lengthMs) {
        return new Window(lengthMs, null, false);
    }

    static Window calendarDay(ZoneId zone) {
        return new Window(86_400_000L, zone, false);
    }

    static Window refilling(long lengthMs) {
        return new Window(lengthMs, null, true);
    }

    /**
     * The limits in force (a refilling window drains at {@code limit / length}; without a limit
     * nothing is counted against, so the level empties). Other windows ignore them.
     */
    void limits(long requests, long tokenCount) {
        this.requestLimit = requests;
        this.tokenLimit = tokenCount;
    }

    /** Drops entries that have left the window at {@code now} (a refilling window drains). */
    void evict(long now) {
        if (refilling) {
            if (drainedAt != Long.MIN_VALUE && now > drainedAt) {
                long elapsed = now - drainedAt;
                requestLevel = drain(requestLevel, requestLimit, elapsed);
                tokenLevel = drain(tokenLevel, tokenLimit, elapsed);
            }
            drainedAt = Math.max(drainedAt, now);
            return;
        }
        while (!entries.isEmpty() && expiry(entries.peekFirst()[0], now) <= now) {
            tokens -= entries.pollFirst()[1];
        }
    }

    private double drain(double level, long limit, long elapsedMs) {
        if (limit <= 0) {
            return limit == 0 ? level : 0;
        }
        return Math.max(0, level - (double) elapsedMs * limit / lengthMs);
    }

    void add(long now, long tokenCount) {
        if (refilling) {
            requestLevel += 1;
            tokenLevel += tokenCount;
            drainedAt = Math.max(drainedAt, now);
            return;
        }
        entries.addLast(new long[] {now, tokenCount});
        tokens += tokenCount;
    }

    long requests() {
        return refilling ? whole(requestLevel) : entries.size();
    }

    long tokens() {
        return refilling ? whole(tokenLevel) : tokens;
    }

    /** A level as the provider reports it: rounded up, float noise ignored. */
    private static long whole(double level) {
        return (long) Math.ceil(level - 1e-6);
    }

    /** Milliseconds for a refilling level to drain from {@code level} to {@code target} at {@code limit / length}. */
    private long refillWait(double level, double target, long limit) {
        if (level <= target) {
            return 0;
        }
        return (long) Math.ceil((level - target) * lengthMs / limit - 1e-6);
    }

    /** Milliseconds until one more request fits under {@code limit}. */
    long waitForRequests(long limit, long now) {
        if (limit <= 0) {
            return untilFullReset(now, lengthMs);
        }
        if (refilling) {
            return refillWait(requestLevel, limit - 1, limit);
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
        if (refilling) {
            return limit <= 0 ? lengthMs : refillWait(tokenLevel, limit - requested, limit);
        }
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

    /**
     * Milliseconds until the oldest entry leaves (0 when empty): the "reset" a provider header
     * reports. A refilling window: until its used requests have refilled completely.
     */
    long untilNextRelease(long now) {
        if (refilling) {
            return requestLimit <= 0 ? 0 : refillWait(requestLevel, 0, requestLimit);
        }
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
        requestLevel = 0;
        tokenLevel = 0;
        drainedAt = Long.MIN_VALUE;
    }

    private long expiry(long admittedAt, long now) {
        return calendarZone == null ? admittedAt + lengthMs : nextMidnight(admittedAt);
    }

    private long nextMidnight(long t) {
        LocalDate day = Instant.ofEpochMilli(t).atZone(calendarZone).toLocalDate();
        return day.plusDays(1).atStartOfDay(calendarZone).toInstant().toEpochMilli();
    }
}
