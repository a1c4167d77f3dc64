package io.keycycle.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The classification of one provider answer (or failure).
 *
 * @param kind         what happened
 * @param status       HTTP status, or 0 when there was no HTTP answer (I/O failure)
 * @param usage        token usage on success (may be null if the provider sent none)
 * @param metric       the limit that tripped, when known (RATE_LIMITED / QUOTA_EXHAUSTED)
 * @param retryAfter       how long the provider asked to wait, when it said (retry-after, RetryInfo,
 *                     reset headers, "try again in" text)
 * @param until        an absolute instant the provider named (OpenRouter X-RateLimit-Reset) or the
 *                     provider's daily reset for QUOTA_EXHAUSTED
 * @param scopeWide    true when the condition covers every model of the scope (OpenRouter free
 *                     models, Groq organization_restricted, 402)
 * @param observations rate-limit headers seen on the answer
 * @param reason       short human text (never contains a secret)
 * @param tierWide     true when the condition holds for every key of the answering key's key tier
 *                     for this model: a quota the provider sets per billing tier, such as Gemini's
 *                     {@code limit: 0} (the tier has no quota for the model), which another key of
 *                     the same tier would only meet again
 */
public record Outcome(OutcomeKind kind, int status, Usage usage, Limits.Metric metric, Duration retryAfter,
                      Instant until, boolean scopeWide, List<RateLimitObservation> observations, String reason,
                      boolean tierWide, String organisation) {

    /**
     * The start of the reason of a {@link OutcomeKind#REQUEST_INVALID} answer that says the request is too long for
     * this model's context window: another model (a tier's next candidate, an escalation) may take it.
     */
    public static final String CONTEXT_TOO_LONG = "context length exceeded";

    /** True for an invalid request that only this model refused for its length ({@link #CONTEXT_TOO_LONG}). */
    public boolean contextTooLong() { return kind == OutcomeKind.REQUEST_INVALID && reason != null && reason.startsWith(CONTEXT_TOO_LONG); }

    public Outcome {
        Objects.requireNonNull(kind, "kind");
        observations = observations == null ? List.of() : List.copyOf(observations);
        reason = reason == null ? kind.name() : reason;
    }

    /** An outcome that names no organisation of the provider's ({@link #organisation()} null). */
    public Outcome(OutcomeKind kind, int status, Usage usage, Limits.Metric metric, Duration retryAfter,
                   Instant until, boolean scopeWide, List<RateLimitObservation> observations, String reason, boolean tierWide) {
        this(kind, status, usage, metric, retryAfter, until, scopeWide, observations, reason, tierWide, null);
    }

    /** An outcome about the answering key's scope or bucket only (not its whole key tier). */
    public Outcome(OutcomeKind kind, int status, Usage usage, Limits.Metric metric, Duration retryAfter,
                   Instant until, boolean scopeWide, List<RateLimitObservation> observations, String reason) {
        this(kind, status, usage, metric, retryAfter, until, scopeWide, observations, reason, false);
    }

    public static Outcome success(Usage usage) {
        return new Outcome(OutcomeKind.SUCCESS, 200, usage, null, null, null, false, List.of(), "ok");
    }

    public static Outcome of(OutcomeKind kind, int status, String reason) {
        return new Outcome(kind, status, null, null, null, null, false, List.of(), reason);
    }

    public Outcome withRetryAfter(Duration w) { return new Outcome(kind, status, usage, metric, w, until, scopeWide, observations, reason, tierWide, organisation); }
    public Outcome withUntil(Instant u) { return new Outcome(kind, status, usage, metric, retryAfter, u, scopeWide, observations, reason, tierWide, organisation); }
    public Outcome withMetric(Limits.Metric m) { return new Outcome(kind, status, usage, m, retryAfter, until, scopeWide, observations, reason, tierWide, organisation); }
    public Outcome withScopeWide(boolean s) { return new Outcome(kind, status, usage, metric, retryAfter, until, s, observations, reason, tierWide, organisation); }
    public Outcome withObservations(List<RateLimitObservation> o) { return new Outcome(kind, status, usage, metric, retryAfter, until, scopeWide, o, reason, tierWide, organisation); }
    public Outcome withUsage(Usage u) { return new Outcome(kind, status, u, metric, retryAfter, until, scopeWide, observations, reason, tierWide, organisation); }

    public Outcome withTierWide(boolean t) { return new Outcome(kind, status, usage, metric, retryAfter, until, scopeWide, observations, reason, t, organisation); }

    /**
     * The provider's account the answer names as the answering key's (Groq's "in organization
     * `org_…`"), or null: keys configured in different scopes that the provider puts in one
     * organisation share its limits.
     */
    public Outcome withOrganisation(String o) {
        return new Outcome(kind, status, usage, metric, retryAfter, until, scopeWide, observations, reason, tierWide, o);
    }

    public boolean isSuccess() { return kind == OutcomeKind.SUCCESS; }
}
