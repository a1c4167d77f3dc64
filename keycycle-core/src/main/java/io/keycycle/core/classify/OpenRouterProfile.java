package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitObservation;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenRouter: {@code {"error":{code,message,metadata}}}. Free-model limits are account-wide, so
 * {@code free-models-per-day*} (or {@code limit_source: openrouter_free_tier_daily}) parks the whole
 * account (scopeWide) until {@code X-RateLimit-Reset} (epoch ms; also read from
 * {@code metadata.headers.Reset}), else the next UTC midnight; {@code free-models-per-min} cools the
 * account. A 429 from the upstream provider ("rate-limited upstream", {@code provider_name} set,
 * {@code upstream_provider_shared_pool}, "Provider returned error") is that model's provider being
 * busy: OVERLOADED, not scope-wide. A 402 about the in-flight budget ("can only afford") is transient.
 *
 * <p>Key versus account: a 402 about the key's own spending limit ({@code limit_source} naming the
 * key limit, or "key limit" wording) is PAYMENT for <b>that key only</b>, until {@code X-RateLimit-Reset}
 * when sent (otherwise the key is re-probed); "insufficient credits" stays account-wide. A per-model
 * daily 429 ({@code openrouter_per_model_daily}, "per-model-per-day") is QUOTA_EXHAUSTED for that
 * model alone, until its own reset header. Every 429 that carries the limiter's
 * {@code X-RateLimit-Limit} (real header or {@code metadata.headers}) also reports it as an
 * observation, and the free daily 429's wording names the cap when no number is sent: 1,000 for
 * {@code free-models-per-day-high-balance}, 50 for {@code free-models-per-day}.
 */
final class OpenRouterProfile extends BaseProfile {

    static final DailyReset DAILY_RESET = DailyReset.midnight(ZoneOffset.UTC);

    OpenRouterProfile() {
        super("openrouter");
    }

    @Override
    Outcome specific(Answer a) {
        ErrorBody b = a.body();
        JsonNode meta = b.metadata();
        String source = ErrorBody.text(meta.path("limit_source"));
        String msg = b.lowerMessage();
        int s = a.status();
        if (s == 402) {
            if (source.equals("openrouter_in_flight_budget") || msg.contains("can only afford")) {
                return a.outcome(OutcomeKind.PAYMENT_TRANSIENT, "request exceeds the credits available now")
                        .withRetryAfter(a.retryAfterHeader().orElse(null));
            }
            if (source.contains("key_limit") || msg.contains("key limit")) {
                Optional<Instant> reset = reset(a).filter(r -> r.isAfter(a.now()));
                return a.outcome(OutcomeKind.PAYMENT, "this key's spending limit is used up (key only; others serve)")
                        .withUntil(reset.orElse(null))
                        .withRetryAfter(reset.map(r -> Duration.between(a.now(), r)).orElse(null));
            }
            return a.outcome(OutcomeKind.PAYMENT, "insufficient credits").withScopeWide(true);
        }
        if (s == 403 && (meta.has("reasons") || meta.has("flagged_input") || msg.contains("flagged"))) {
            return a.outcome(OutcomeKind.REQUEST_INVALID, "input flagged by moderation");
        }
        if (s == 404 && msg.contains("no endpoints found") && !msg.startsWith("no endpoints found for ")) {
            // "No endpoints found that support tool use / image input", "… matching your data policy",
            // max price: about what this request asks for, not the model's existence
            return a.outcome(OutcomeKind.REQUEST_INVALID, "no provider endpoint serves what this request asks for");
        }
        if (s == 404 && msg.startsWith("no endpoints found for ")) {
            return a.outcome(OutcomeKind.MODEL_UNAVAILABLE, "no endpoints serve the model (404)");
        }
        return s == 429 ? rateLimit(a, source, msg) : null;
    }

    private Outcome rateLimit(Answer a, String source, String msg) {
        Outcome o = rateLimitOutcome(a, source, msg);
        List<RateLimitObservation> seen = limiterObservation(a, o, msg);
        return seen.isEmpty() ? o : o.withObservations(seen);
    }

    private Outcome rateLimitOutcome(Answer a, String source, String msg) {
        Optional<Instant> reset = reset(a);
        if (msg.contains("free-models-per-day") || source.equals("openrouter_free_tier_daily")) {
            Instant until = reset.filter(r -> r.isAfter(a.now())).orElseGet(() -> DAILY_RESET.nextReset(a.now()));
            return a.quotaExhausted(Metric.RPD, until, "free-model daily limit reached (account-wide)").withScopeWide(true);
        }
        if (source.equals("openrouter_per_model_daily") || msg.contains("per-model-per-day")) {
            Instant until = reset.filter(r -> r.isAfter(a.now())).orElseGet(() -> DAILY_RESET.nextReset(a.now()));
            return a.quotaExhausted(Metric.RPD, until, "per-model daily limit reached (this model only)");
        }
        boolean accountMinute = msg.contains("free-models-per-min") || source.equals("free_tier_per_minute");
        if (accountMinute || source.equals("openrouter_per_model_minute")) {
            Optional<Duration> untilReset = reset.map(r -> Duration.between(a.now(), r)).filter(d -> !d.isNegative());
            Duration wait = Answer.firstOf(a.retryAfterHeader(), untilReset, a.textWait());
            return a.rateLimited(Metric.RPM, wait, accountMinute ? "free-model minute limit reached (account-wide)"
                            : "per-model minute limit reached")
                    .withUntil(reset.filter(r -> r.isAfter(a.now())).orElse(null))
                    .withScopeWide(accountMinute);
        }
        String provider = ErrorBody.text(a.body().metadata().path("provider_name"));
        if (msg.contains("rate-limited upstream") || source.equals("upstream_provider_shared_pool")
                || !provider.isBlank() || msg.contains("provider returned error")) {
            return StatusRules.overloaded(a, "upstream provider busy" + (provider.isBlank() ? "" : " (" + provider + ")"));
        }
        return StatusRules.rateLimit(a);
    }

    /**
     * The limiter's own numbers on a 429 for our limits (not an upstream provider's): the window of
     * the outcome, {@code X-RateLimit-Limit}/{@code -Remaining} from the header or
     * {@code metadata.headers}, else the cap the free daily wording names.
     */
    private static List<RateLimitObservation> limiterObservation(Answer a, Outcome o, String msg) {
        if (o.metric() == null || o.kind() != OutcomeKind.QUOTA_EXHAUSTED && o.kind() != OutcomeKind.RATE_LIMITED) {
            return List.of();
        }
        long limit = RateLimitHeaders.count(limiterValue(a, "limit"));
        if (limit < 0 && o.metric() == Metric.RPD && msg.contains("free-models-per-day")) {
            limit = msg.contains("high-balance") ? 1_000 : msg.contains("1000 free model requests") ? 50 : -1;
        }
        if (limit < 0) return List.of();
        // "remaining 0" is not restated: the outcome itself already holds the scope until the reset
        Duration resetIn = o.until() == null ? o.retryAfter() : Duration.between(a.now(), o.until());
        return List.of(new RateLimitObservation(o.metric(), limit, -1,
                resetIn == null || resetIn.isNegative() ? null : resetIn));
    }

    /** {@code X-RateLimit-<name>} from the real header, else from {@code metadata.headers}. */
    private static String limiterValue(Answer a, String name) {
        String header = a.header("x-ratelimit-" + name);
        if (header != null) return header;
        JsonNode echoed = a.body().metadata().path("headers");
        for (Iterator<Map.Entry<String, JsonNode>> it = echoed.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name) || e.getKey().equalsIgnoreCase("x-ratelimit-" + name)) {
                return ErrorBody.text(e.getValue());
            }
        }
        return null;
    }

    /** {@code X-RateLimit-Reset} (epoch ms) from the real header, else from {@code metadata.headers}. */
    private static Optional<Instant> reset(Answer a) {
        Optional<Instant> header = RetryDelays.epochMillis(a.header("x-ratelimit-reset"));
        if (header.isPresent()) return header;
        JsonNode echoed = a.body().metadata().path("headers");
        for (Iterator<Map.Entry<String, JsonNode>> it = echoed.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase("reset") || e.getKey().equalsIgnoreCase("x-ratelimit-reset")) {
                return RetryDelays.epochMillis(ErrorBody.text(e.getValue()));
            }
        }
        return Optional.empty();
    }
}
