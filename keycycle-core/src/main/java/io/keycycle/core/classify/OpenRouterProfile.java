package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Iterator;
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
        Optional<Instant> reset = reset(a);
        if (msg.contains("free-models-per-day") || source.equals("openrouter_free_tier_daily")) {
            Instant until = reset.filter(r -> r.isAfter(a.now())).orElseGet(() -> DAILY_RESET.nextReset(a.now()));
            return a.quotaExhausted(Metric.RPD, until, "free-model daily limit reached (account-wide)").withScopeWide(true);
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
