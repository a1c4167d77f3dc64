package io.keycycle.sim;

import java.time.Duration;
import java.time.ZoneId;

/**
 * The quota of one (scope, model) — or one scope for OpenRouter's {@code :free} models — over its
 * minute, hour and day windows. {@link #admit} decides and records atomically.
 */
final class Bucket {

    private final Window minute = Window.sliding(60_000);
    private final Window hour = Window.sliding(3_600_000);
    private final Window day;

    Bucket(ZoneId dayResetZone) {
        this(dayResetZone, false);
    }

    /** {@code refillingDay}: the day quota refills gradually (Groq) instead of sliding or resetting at midnight. */
    Bucket(ZoneId dayResetZone, boolean refillingDay) {
        this.day = dayResetZone != null ? Window.calendarDay(dayResetZone)
                : refillingDay ? Window.refilling(86_400_000) : Window.sliding(86_400_000);
    }

    /** The verdict on one request. */
    sealed interface Decision permits Admitted, Limited, TooLarge {
        Snapshot snapshot();
    }

    /** The request fits and has been recorded. */
    record Admitted(Snapshot snapshot) implements Decision {
    }

    /** A window is full; {@code retryIn} is when the request would next fit. */
    record Limited(Metric metric, long limit, long used, long requested, Duration retryIn, Snapshot snapshot)
            implements Decision {
    }

    /** The request alone exceeds a token limit and can never fit. */
    record TooLarge(Metric metric, long limit, long requested, Snapshot snapshot) implements Decision {
    }

    /**
     * The state providers report in their success headers: the day request window and the minute
     * token window. {@code -1} limits mean absent.
     */
    record Snapshot(long rpdLimit, long rpdRemaining, Duration rpdReset,
                    long tpmLimit, long tpmRemaining, Duration tpmReset) {
    }

    synchronized Decision admit(SimLimits limits, long tokens, long now) {
        return admit(limits, tokens, tokens, now);
    }

    /**
     * Checks {@code reserved} tokens against the token limits (Cerebras holds prompt +
     * {@code max_completion_tokens} at arrival) but records {@code charged}, what the answer used.
     */
    synchronized Decision admit(SimLimits limits, long reserved, long charged, long now) {
        long tokens = reserved;
        evictAll(now);
        day.limits(limits.rpd(), limits.tpd());
        for (Metric m : new Metric[] {Metric.TPD, Metric.TPH, Metric.TPM}) {
            long limit = limits.get(m);
            if (limit != SimLimits.NONE && tokens > limit) {
                return new TooLarge(m, limit, tokens, snapshot(limits, now));
            }
        }
        for (Metric m : Metric.CHECK_ORDER) {
            long limit = limits.get(m);
            if (limit == SimLimits.NONE) {
                continue;
            }
            Window w = window(m.span);
            long used = m.tokens ? w.tokens() : w.requests();
            long requested = m.tokens ? tokens : 1;
            if (used + requested > limit) {
                long waitMs = m.tokens ? w.waitForTokens(limit, requested, now) : w.waitForRequests(limit, now);
                return new Limited(m, limit, used, requested, Duration.ofMillis(waitMs), snapshot(limits, now));
            }
        }
        minute.add(now, charged);
        hour.add(now, charged);
        day.add(now, charged);
        return new Admitted(snapshot(limits, now));
    }

    /** Milliseconds until the day window fully resets (calendar) — used for OpenRouter's day reset. */
    synchronized long untilDayReset(long now) {
        return day.untilFullReset(now, day.untilNextRelease(now));
    }

    /** Requests counted in the day window now (OpenRouter's {@code /key} reports them). */
    synchronized long dayRequests(long now) {
        evictAll(now);
        return day.requests();
    }

    synchronized void clear() {
        minute.clear();
        hour.clear();
        day.clear();
    }

    private void evictAll(long now) {
        minute.evict(now);
        hour.evict(now);
        day.evict(now);
    }

    private Window window(Metric.Span span) {
        return switch (span) {
            case MINUTE -> minute;
            case HOUR -> hour;
            case DAY -> day;
        };
    }

    private Snapshot snapshot(SimLimits limits, long now) {
        long rpd = limits.rpd();
        long tpm = limits.tpm();
        return new Snapshot(
                rpd, rpd == SimLimits.NONE ? -1 : Math.max(0, rpd - day.requests()),
                Duration.ofMillis(day.isCalendar() ? day.untilFullReset(now, 0) : day.untilNextRelease(now)),
                tpm, tpm == SimLimits.NONE ? -1 : Math.max(0, tpm - minute.tokens()),
                Duration.ofMillis(minute.untilNextRelease(now)));
    }
}
