package io.keycycle.core.classify;

import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Groq: {@code {"error":{message,type,code}}} bodies; the tripped limit is named in the message
 * ({@code (RPM)}, {@code (TPD)}, …). A daily limit is QUOTA_EXHAUSTED, but Groq's daily buckets refill
 * gradually, so it is parked for the wait Groq names ({@code retry-after}, reset header, "try again
 * in"), not until a midnight; only when Groq names no wait at all is it parked for a full day. 413 "Request too large" can never fit the tier and is REQUEST_INVALID
 * even when it carries {@code retry-after}. Headers: {@code *-requests} = RPD, {@code *-tokens} = TPM.
 */
final class GroqProfile extends BaseProfile {

    /** Groq's 429 and 413 messages name the organisation: "… for model `m` in organization `org_…` service tier …". */
    private static final Pattern ORGANISATION = Pattern.compile("in organization `([A-Za-z0-9_\\-]{1,64})`");

    GroqProfile() {
        super("groq");
    }

    /** Groq: "Cached tokens do not count toward limits" (its rate-limit documentation). */
    @Override
    public boolean cachedTokensCountTowardLimits() { return false; }

    /** The organisation the answer's message names, or null. */
    static String organisation(Answer a) {
        Matcher m = ORGANISATION.matcher(a.body().messageOrText());
        return m.find() ? m.group(1) : null;
    }

    @Override
    Outcome specific(Answer a) {
        ErrorBody b = a.body();
        int s = a.status();
        if (b.codeIs("organization_restricted")) {
            return a.outcome(OutcomeKind.KEY_SUSPENDED, "organization restricted").withScopeWide(true);
        }
        if (b.codeIs("invalid_api_key")) {
            return a.outcome(OutcomeKind.KEY_INVALID, "invalid API key");
        }
        if (s == 413) {
            TrippedWindow w = TrippedWindow.fromText(b.messageOrText());
            return a.outcome(OutcomeKind.REQUEST_INVALID, "request too large for the tier's token budget")
                    .withMetric(w == null ? null : w.metric()).withOrganisation(organisation(a));
        }
        if (b.codeIs("model_decommissioned") || b.codeIs("model_not_found") || s == 404 && StatusRules.modelGone(a)) {
            return a.outcome(OutcomeKind.MODEL_UNAVAILABLE, "model unavailable");
        }
        if (b.codeIs("context_length_exceeded")) {
            return a.outcome(OutcomeKind.REQUEST_INVALID, io.keycycle.core.Outcome.CONTEXT_TOO_LONG);
        }
        if (s == 498 || s >= 429 && b.lowerMessage().contains("over capacity")) {
            return StatusRules.overloaded(a, "model over capacity");
        }
        return s == 429 ? rateLimit(a).withOrganisation(organisation(a)) : null;
    }

    private Outcome rateLimit(Answer a) {
        ProviderResponse r = a.response();
        TrippedWindow w = TrippedWindow.fromText(a.body().messageOrText());
        if (w == null && RateLimitHeaders.remaining(r, "requests") == 0) w = TrippedWindow.of(Metric.RPD);
        if (w == null && RateLimitHeaders.remaining(r, "tokens") == 0) w = TrippedWindow.of(Metric.TPM);
        Duration wait = Answer.firstOf(a.retryAfterHeader(), resetHeader(a, w), a.textWait());
        if (w != null && w.daily()) {
            Duration d = wait != null ? wait : Duration.ofDays(1);
            return a.quotaExhausted(w.metric(), a.now().plus(d), "daily limit reached (" + w.label() + ")");
        }
        return a.rateLimited(w == null ? null : w.metric(), wait,
                w == null ? "rate limited" : "rate limited (" + w.label() + ")");
    }

    /** The reset header of the tripped window: RPD ↔ {@code -requests}, TPM ↔ {@code -tokens}. */
    private static Optional<Duration> resetHeader(Answer a, TrippedWindow w) {
        if (w == null || w.metric() == null) return Optional.empty();
        return switch (w.metric()) {
            case RPD -> RetryDelays.goDuration(a.header("x-ratelimit-reset-requests"));
            case TPM -> RetryDelays.goDuration(a.header("x-ratelimit-reset-tokens"));
            default -> Optional.empty();
        };
    }

    @Override
    List<RateLimitObservation> observations(ProviderResponse response) {
        return RateLimitHeaders.groq(response);
    }
}
