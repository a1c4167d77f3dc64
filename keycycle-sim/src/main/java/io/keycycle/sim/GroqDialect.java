package io.keycycle.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groq (providers.md §3): {@code {"error":{message,type,code}}}, six {@code x-ratelimit-*} headers
 * on every answer ({@code requests} = RPD, {@code tokens} = TPM, Go-style resets),
 * {@code retry-after} only on 429/413, the "Rate limit reached for model …" template, 413 when a
 * request can never fit, {@code x_groq} and timing fields in usage. Guessed [U]: the 500/503
 * {@code type}/{@code code}, and hour-window metric names (Groq has no hour limits).
 */
final class GroqDialect extends Dialect {

    private static final String UPGRADE = " Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing";

    @Override
    Reply missingKey() {
        return keyRejected(KeyState.DEAD);
    }

    @Override
    Reply keyRejected(KeyState state) {
        if (state == KeyState.SUSPENDED) {
            return error(400, "Organization has been restricted. Please reach out to support if you believe this was in error.",
                    "invalid_request_error", "organization_restricted", Outcome.ERROR);
        }
        return error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key", Outcome.ERROR);
    }

    @Override
    Reply badRequest(String message) {
        return error(400, message, "invalid_request_error", null, Outcome.ERROR);
    }

    @Override
    Reply modelNotFound(String model) {
        return error(404, "The model `" + model + "` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found", Outcome.ERROR);
    }

    @Override
    Reply modelGone(String model) {
        return error(400, "The model `" + model + "` has been decommissioned and is no longer supported.",
                "invalid_request_error", "model_decommissioned", Outcome.ERROR);
    }

    @Override
    Reply contextTooLong(String model, int requested, int window) {
        return error(400, "Please reduce the length of the messages or completion. (" + model + ": " + requested
                + " tokens requested, the context window is " + window + ")", "invalid_request_error", "context_length_exceeded", Outcome.ERROR);
    }

    @Override
    Reply rateLimited(Turn turn, Bucket.Limited l) {
        String message = "Rate limit reached for model `" + turn.model() + "` in organization `" + turn.scope()
                + "` service tier `on_demand` on " + metricName(l.metric()) + ": Limit " + l.limit()
                + ", Used " + l.used() + ", Requested " + l.requested() + ". Please try again in "
                + Durations.go(l.retryIn()) + "." + UPGRADE;
        return error(429, message, l.metric().tokens ? "tokens" : "requests", "rate_limit_exceeded", Outcome.of(l.metric()))
                .headers(rateLimitHeaders(l.snapshot()))
                .header("retry-after", Long.toString(Durations.ceilSeconds(l.retryIn())));
    }

    @Override
    Reply tooLarge(Turn turn, Bucket.TooLarge t) {
        String message = "Request too large for model `" + turn.model() + "` in organization `" + turn.scope()
                + "` service tier `on_demand` on " + metricName(t.metric()) + ": Limit " + t.limit()
                + ", Requested " + t.requested() + ", please reduce your message size and try again." + UPGRADE;
        return error(413, message, "tokens", "rate_limit_exceeded", Outcome.ERROR).headers(rateLimitHeaders(t.snapshot()));
    }

    @Override
    Reply fault(FaultKind fault, Turn turn) {
        if (fault.type() == FaultKind.Type.OVERLOADED_503) {
            return error(503, "`" + turn.model() + "` is currently over capacity. Please try again and back off exponentially. "
                    + "Visit https://groqstatus.com to see if there is an active incident.",
                    "internal_server_error", "service_unavailable", Outcome.ERROR);
        }
        return error(500, "Internal Server Error", "internal_server_error", "internal_server_error", Outcome.ERROR);
    }

    @Override
    ObjectNode completion(Turn turn) {
        ObjectNode root = obj().put("id", turn.id()).put("object", "chat.completion")
                .put("created", turn.created()).put("model", turn.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", turn.request().content());
        choice.putNull("logprobs");
        choice.put("finish_reason", turn.request().finishReason());
        root.set("usage", usage(turn));
        root.putNull("usage_breakdown");
        root.put("system_fingerprint", "fp_" + hex(10));
        root.putObject("x_groq").put("id", requestId(turn)).put("seed", Math.abs(turn.id().hashCode()));
        root.put("service_tier", "on_demand");
        return root;
    }

    @Override
    Map<String, String> rateLimitHeaders(Bucket.Snapshot s) {
        Map<String, String> h = new LinkedHashMap<>();
        if (s.rpdLimit() >= 0) {
            h.put("x-ratelimit-limit-requests", Long.toString(s.rpdLimit()));
        }
        if (s.tpmLimit() >= 0) {
            h.put("x-ratelimit-limit-tokens", Long.toString(s.tpmLimit()));
        }
        if (s.rpdLimit() >= 0) {
            h.put("x-ratelimit-remaining-requests", Long.toString(s.rpdRemaining()));
        }
        if (s.tpmLimit() >= 0) {
            h.put("x-ratelimit-remaining-tokens", Long.toString(s.tpmRemaining()));
        }
        if (s.rpdLimit() >= 0) {
            h.put("x-ratelimit-reset-requests", Durations.go(s.rpdReset()));
        }
        if (s.tpmLimit() >= 0) {
            h.put("x-ratelimit-reset-tokens", Durations.go(s.tpmReset()));
        }
        return h;
    }

    @Override
    List<String> streamFrames(Turn turn) {
        List<String> frames = new ArrayList<>();
        ObjectNode first = chunk(turn, delta("assistant", ""), null);
        first.putObject("x_groq").put("id", requestId(turn));
        frames.add(data(first));
        for (String piece : turn.request().pieces()) {
            frames.add(data(chunk(turn, delta(null, piece), null)));
        }
        ObjectNode last = chunk(turn, obj(), turn.request().finishReason());
        ObjectNode xGroq = last.putObject("x_groq");
        xGroq.put("id", requestId(turn));
        xGroq.set("usage", usage(turn));
        frames.add(data(last));
        if (turn.request().includeUsage()) {
            ObjectNode trailing = envelope(turn);
            trailing.putArray("choices");
            trailing.putObject("x_groq").put("id", requestId(turn));
            trailing.set("usage", usage(turn));
            frames.add(data(trailing));
        }
        frames.add(DONE);
        return frames;
    }

    @Override
    ObjectNode chunk(Turn turn, ObjectNode delta, String finishReason) {
        ObjectNode c = envelope(turn);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return c;
    }

    @Override
    String newId(Turn turn) {
        return chatcmplId();
    }

    @Override
    String ownedBy() {
        return "Groq";
    }

    private ObjectNode envelope(Turn turn) {
        return obj().put("id", turn.id()).put("object", "chat.completion.chunk")
                .put("created", turn.created()).put("model", turn.model()).put("system_fingerprint", "fp_sim");
    }

    private static String requestId(Turn turn) {
        return "req_01" + Integer.toHexString(turn.id().hashCode()) + "sim";
    }

    private static ObjectNode usage(Turn turn) {
        double queue = 0.052;
        double prompt = seconds(turn.prompt() / 20_000.0);
        double completion = seconds(turn.completion() / 500.0);
        return obj().put("queue_time", queue).put("prompt_tokens", turn.prompt()).put("prompt_time", prompt)
                .put("completion_tokens", turn.completion()).put("completion_time", completion)
                .put("total_tokens", turn.prompt() + turn.completion()).put("total_time", seconds(prompt + completion))
                .set("prompt_tokens_details", obj().put("cached_tokens", turn.cachedTokens()));
    }

    private static String metricName(Metric m) {
        return switch (m) {
            case RPM -> "requests per minute (RPM)";
            case RPH -> "requests per hour (RPH)";
            case RPD -> "requests per day (RPD)";
            case TPM -> "tokens per minute (TPM)";
            case TPH -> "tokens per hour (TPH)";
            case TPD -> "tokens per day (TPD)";
        };
    }

    private static Reply error(int status, String message, String type, String code, Outcome outcome) {
        ObjectNode body = obj();
        ObjectNode e = body.putObject("error").put("message", message).put("type", type);
        if (code != null) {
            e.put("code", code);
        }
        return Reply.json(status, body, outcome);
    }
}
