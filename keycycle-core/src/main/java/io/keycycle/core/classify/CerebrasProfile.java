package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Limits.Span;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;

import java.util.OptionalLong;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Cerebras: flat {@code {message,type,param,code}} bodies. The code is the same for every window
 * ({@code token_quota_exceeded}), so the window comes from the wording ("per minute/hour/day") and the
 * day headers; {@code "param":"quota"} means nothing on its own. A daily 429 (wording, or
 * {@code x-ratelimit-remaining-requests-day: 0}) parks until now + {@code x-ratelimit-reset-*-day}
 * seconds (a day when absent). {@code queue_exceeded} is platform capacity, not the key's quota.
 */
final class CerebrasProfile extends BaseProfile {

    /** What Cerebras reserves for the completion of a request that sets no maximum (a third party's measurement, 2026-09). */
    static final long DEFAULT_COMPLETION_RESERVATION = 16_384;

    CerebrasProfile() {
        super("cerebras");
    }

    @Override
    public OptionalLong reservedCompletion() { return OptionalLong.of(DEFAULT_COMPLETION_RESERVATION); }

    @Override
    Outcome specific(Answer a) {
        ErrorBody b = a.body();
        int s = a.status();
        if (s == 403 && b.lowerMessage().contains("not authenticated")) {
            return a.outcome(OutcomeKind.KEY_INVALID, "no valid credentials sent (403)");
        }
        if (b.codeIs("wrong_api_key")) {
            return a.outcome(OutcomeKind.KEY_INVALID, "wrong API key");
        }
        if (b.codeIs("model_not_found") || s == 404 && StatusRules.modelGone(a)) {
            return a.outcome(OutcomeKind.MODEL_UNAVAILABLE, "model unavailable");
        }
        if (b.codeIs("context_length_exceeded")) {
            return a.outcome(OutcomeKind.REQUEST_INVALID, io.keycycle.core.Outcome.CONTEXT_TOO_LONG);
        }
        if (b.codeIs("queue_exceeded")) {
            return StatusRules.overloaded(a, "platform queue full (queue_exceeded)");
        }
        return s == 429 ? rateLimit(a) : null;
    }

    private Outcome rateLimit(Answer a) {
        ProviderResponse r = a.response();
        TrippedWindow w = TrippedWindow.fromText(a.body().messageOrText());
        boolean requestsDayGone = RateLimitHeaders.remaining(r, "requests-day") == 0;
        if (w != null && w.daily() || requestsDayGone) {
            Metric metric = w != null && w.daily() ? w.metric() : Metric.RPD;
            // the provider's own word first, as for the shorter windows (and as Groq's daily branch):
            // Cerebras refills its buckets continuously, so a retry-after may be far short of a day
            Duration reset = Answer.firstOf(a.retryAfterHeader(), resetHeader(a, metric),
                    RetryDelays.seconds(a.header("x-ratelimit-reset-requests-day")), a.textWait());
            Instant until = a.now().plus(reset != null ? reset : Duration.ofDays(1));
            return a.quotaExhausted(metric, until, "daily limit reached (" + metric + ")");
        }
        if (w == null) w = fromRemainingHeaders(r);
        Metric metric = w == null ? null : w.metric();
        Duration wait = Answer.firstOf(a.retryAfterHeader(), resetHeader(a, metric), a.textWait());
        return a.rateLimited(metric, wait, metric == null ? "rate limited" : "rate limited (" + metric + ")");
    }

    /** A window whose remaining header says 0, shortest window first. */
    private static TrippedWindow fromRemainingHeaders(ProviderResponse r) {
        for (Span span : new Span[] {Span.MINUTE, Span.HOUR, Span.DAY}) {
            for (boolean tokens : new boolean[] {false, true}) {
                Metric m = Metric.of(span, tokens);
                if (RateLimitHeaders.remaining(r, suffix(m)) == 0) return TrippedWindow.of(m);
            }
        }
        return null;
    }

    private static Optional<Duration> resetHeader(Answer a, Metric metric) {
        return metric == null ? Optional.empty() : RetryDelays.seconds(a.header("x-ratelimit-reset-" + suffix(metric)));
    }

    /** {@code requests-day}, {@code tokens-minute}, … */
    private static String suffix(Metric m) {
        return (m.tokens() ? "tokens-" : "requests-") + m.span().name().toLowerCase(Locale.ROOT);
    }

    @Override
    List<RateLimitObservation> observations(ProviderResponse response) {
        return RateLimitHeaders.suffixed(response);
    }
}
