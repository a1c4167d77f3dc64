package io.keycycle.core.classify;

import io.keycycle.core.Limits;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One answer being classified: the response, the instant of classification, the status the rules
 * look at (the HTTP status, or the {@code error.code} of a failure inside a 200 answer) and the
 * parsed body. Also the place where outcomes are built, so every outcome carries the HTTP status and
 * a cleaned reason.
 */
record Answer(ProviderResponse response, Instant now, int status, ErrorBody body) {

    String header(String name) {
        return response.header(name);
    }

    /** The {@code retry-after} header (seconds or HTTP-date), or OpenAI's {@code retry-after-ms}. */
    Optional<Duration> retryAfterHeader() {
        Optional<Duration> d = RetryDelays.retryAfter(header("retry-after"), now);
        if (d.isPresent()) return d;
        long ms = RateLimitHeaders.count(header("retry-after-ms"));
        return ms >= 0 ? Optional.of(Duration.ofMillis(Math.min(ms, RetryDelays.MAX_WAIT.toMillis()))) : Optional.empty();
    }

    /** "try again in …" text in the error message (or the raw body). */
    Optional<Duration> textWait() {
        return RetryDelays.fromMessage(body.messageOrText());
    }

    /** The first present wait, in the order given (callers pass them in order of trust). */
    @SafeVarargs
    static Duration firstOf(Optional<Duration>... waits) {
        for (Optional<Duration> w : waits) {
            if (w.isPresent()) return w.get();
        }
        return null;
    }

    /** An outcome whose reason is {@code summary} plus the provider's message. */
    Outcome outcome(OutcomeKind kind, String summary) {
        return new Outcome(kind, response.status(), null, null, null, null, false, List.of(),
                Reasons.of(prefix() + summary, body.messageOrText()));
    }

    Outcome rateLimited(Limits.Metric metric, Duration wait, String summary) {
        return outcome(OutcomeKind.RATE_LIMITED, summary).withMetric(metric).withRetryAfter(wait);
    }

    /** QUOTA_EXHAUSTED until {@code until}; the wait is the time left, so no shorter hint survives. */
    Outcome quotaExhausted(Limits.Metric metric, Instant until, String summary) {
        Duration left = Duration.between(now, until);
        return outcome(OutcomeKind.QUOTA_EXHAUSTED, summary).withMetric(metric).withUntil(until)
                .withRetryAfter(left.isNegative() ? Duration.ZERO : left);
    }

    private String prefix() {
        int http = response.status();
        return http >= 200 && http < 300 ? "error inside HTTP " + http + " answer (code " + status + "), " : "";
    }
}
