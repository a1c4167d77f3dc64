package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.classify.ProviderText;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.PoolAvailability;
import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.RateLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Turns what a facade call threw into an {@link ApiError}:
 * <ul>
 *   <li>nothing can serve ({@link NoAvailableKeyException}, or {@link RateLimitException} whose last
 *       cause is a rate limit or day quota): 429 with {@code Retry-After} until the earliest key
 *       frees up, naming provider, model and how many keys cool, are parked or disabled; 503 when
 *       no key will ever free up by itself (all disabled);</li>
 *   <li>the provider refused the request as invalid: its status (400, 413, 422) and message;</li>
 *   <li>the model is unavailable upstream: 404, also while it stays marked so
 *       ({@link io.keycycle.core.ModelUnavailableException});</li>
 *   <li>every other upstream failure after retries: 502 with the attempts (fingerprints only).</li>
 * </ul>
 */
final class Failures {

    private static final Logger log = LoggerFactory.getLogger(Failures.class);

    private final Keycycle keycycle;

    Failures(Keycycle keycycle) {
        this.keycycle = keycycle;
    }

    ApiError map(Throwable t, String target, long estimate) {
        if (t instanceof NoAvailableKeyException n) return noKey(n);
        if (t instanceof RateLimitException r) return exhausted(r);
        if (t instanceof ConfigurationException c) return ApiError.invalidRequest(c.getMessage());
        if (t instanceof KeycycleException k) {
            return ApiError.of(502, "upstream_error", "keycycle_upstream_failed", k.getMessage());
        }
        log.error("unexpected failure serving {}", target, t);
        return ApiError.internal("internal gateway error (" + t.getClass().getSimpleName() + "); see the gateway log");
    }

    private ApiError noKey(NoAvailableKeyException n) {
        ObjectNode x = Jsons.object();
        x.put("provider", n.provider());
        x.put("model", n.model());
        if (n instanceof io.keycycle.core.RequestNeverFitsException) {
            // the client's to change (the message says how); a 503 or 429 would only be retried in vain
            return new ApiError(413, ApiError.INVALID_REQUEST, "request_never_fits", n.getMessage(), x, 0);
        }
        if (n instanceof io.keycycle.core.ModelUnavailableException m) {
            // the provider said the model is gone (an earlier call): the same 404 as that call got, not
            // a 503 its client would retry; nothing is sent for it until the re-check
            Jsons.putInstant(x, "recheck_at", m.recheckAt());
            ArrayNode instead = x.putArray("suggested_models");
            keycycle.catalog().suggestInstead(n.provider(), n.model(), 3).forEach(s -> instead.add(n.provider() + "/" + s));
            return new ApiError(404, ApiError.INVALID_REQUEST, "model_not_found", n.getMessage(), x, 0);
        }
        Jsons.putInstant(x, "retry_at", n.retryAt());
        x.put("keys", n.totalKeys());
        x.put("cooling", n.cooling());
        x.put("parked", n.parked());
        x.put("disabled", n.disabled());
        if (n.retryAt() == null) {
            return new ApiError(503, "rate_limit_exceeded", "keycycle_no_key_available", n.getMessage(), x, 0);
        }
        return new ApiError(429, "rate_limit_exceeded", "keycycle_no_key_available", n.getMessage(), x, retryAfter(n.retryAt()));
    }

    private ApiError exhausted(RateLimitException r) {
        Outcome last = r.lastOutcome();
        OutcomeKind kind = last == null ? null : last.kind();
        ObjectNode x = Jsons.object();
        x.put("provider", r.provider());
        x.put("model", r.model());
        if (kind == OutcomeKind.REQUEST_INVALID) {
            int status = last.status() >= 400 && last.status() < 500 && last.status() != 429 ? last.status() : 400;
            x.put("provider_status", last.status());
            x.set("attempts", attempts(r.attempts()));
            return new ApiError(status, ApiError.INVALID_REQUEST, "provider_rejected_request", providerMessage(r, last), x, 0);
        }
        if (kind == OutcomeKind.MODEL_UNAVAILABLE) {
            x.set("attempts", attempts(r.attempts()));
            com.fasterxml.jackson.databind.node.ArrayNode instead = x.putArray("suggested_models");
            keycycle.catalog().suggestInstead(r.provider(), r.model(), 3).forEach(m -> instead.add(r.provider() + "/" + m));
            return new ApiError(404, ApiError.INVALID_REQUEST, "model_not_found", providerMessage(r, last), x, 0);
        }
        PoolView v = PoolView.of(r.availability(), keycycle.clock().now());
        boolean limited = kind == null || kind == OutcomeKind.RATE_LIMITED || kind == OutcomeKind.QUOTA_EXHAUSTED;
        if (!limited && (v.admissibleNow || kind == OutcomeKind.TRANSIENT)) {
            // keys are left, the attempts just failed (5xx, timeouts, overload): an upstream failure; also
            // when the failures made the model back off (PoolPolicy#transientTrip), with when to try again
            x.set("attempts", attempts(r.attempts()));
            long after = 0;
            if (!v.admissibleNow && v.retryAt != null) {
                Jsons.putInstant(x, "retry_at", v.retryAt);
                after = retryAfter(v.retryAt);
            }
            return new ApiError(502, "upstream_error", "keycycle_upstream_failed", r.getMessage(), x, after);
        }
        Jsons.putInstant(x, "retry_at", v.retryAt);
        x.put("keys", v.keys);
        x.put("cooling", v.cooling);
        x.put("parked", v.parked);
        x.put("disabled", v.disabled);
        x.set("attempts", attempts(r.attempts()));
        if (v.retryAt == null) {
            return new ApiError(503, "rate_limit_exceeded", "keycycle_no_key_available", r.getMessage(), x, 0);
        }
        return new ApiError(429, "rate_limit_exceeded", "keycycle_no_key_available", r.getMessage(), x, retryAfter(v.retryAt));
    }

    /**
     * The candidates' pools when the call gave up, as the failure carries them: the earliest
     * admission, key counts by state, whether one is free (unknown: nothing is free, no instant).
     */
    private record PoolView(Instant retryAt, boolean admissibleNow, int keys, int cooling, int parked, int disabled) {
        static PoolView of(PoolAvailability a, Instant now) {
            if (a == null) return new PoolView(null, false, 0, 0, 0, 0);
            return new PoolView(a.retryAt(), a.admissibleAt(now), a.keys(), a.cooling(), a.parked(), a.disabled());
        }
    }

    private long retryAfter(Instant at) {
        long millis = Duration.between(keycycle.clock().now(), at).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    private static ArrayNode attempts(List<RateLimitException.Attempt> attempts) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        for (RateLimitException.Attempt at : attempts) {
            ObjectNode o = a.addObject();
            o.put("provider", at.provider());
            o.put("model", at.model());
            o.put("key", at.fingerprint());
            o.put("outcome", at.outcome().kind().name());
            o.put("status", at.outcome().status());
            o.put("reason", at.outcome().reason());
        }
        return a;
    }

    /** The provider's own error message, when its body has one; else the engine's summary. */
    private static String providerMessage(RateLimitException r, Outcome last) {
        Throwable c = r.getCause();
        while (c != null && !(c instanceof ProviderHttpException)) c = c.getCause() == c ? null : c.getCause();
        if (c instanceof ProviderHttpException p) {
            JsonNode body = Jsons.tryParse(p.body());
            if (body != null && body.isArray() && body.size() > 0) body = body.get(0);
            if (body != null) {
                for (JsonNode m : List.of(body.path("error").path("message"), body.path("message"), body.path("detail"))) {
                    if (m.isTextual() && !m.asText().isBlank()) return r.provider() + ": " + abbreviate(m.asText());
                }
            }
            if (!p.body().isBlank()) return r.provider() + ": " + abbreviate(p.body());
        }
        return r.provider() + ": " + last.reason();
    }

    /** Provider text with credentials redacted first, then shortened (a provider may echo the request). */
    private static String abbreviate(String s) { return ProviderText.abbreviate(s, 301); }
}
