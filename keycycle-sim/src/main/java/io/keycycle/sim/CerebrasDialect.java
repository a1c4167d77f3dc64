package io.keycycle.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cerebras (providers.md §2): flat error objects without an {@code error} wrapper, six
 * {@code x-ratelimit-*-{day,minute}} headers with float-second resets on every answer,
 * {@code time_info} on completions. Guessed [U]: 402/500/503 {@code type}s and the requests-per-day
 * 429 text (by analogy with requests-per-minute).
 */
final class CerebrasDialect extends Dialect {

    @Override
    Reply missingKey() {
        return Reply.json(403, obj().put("detail", "Not authenticated"), Outcome.ERROR);
    }

    @Override
    Reply keyRejected(KeyState state) {
        if (state == KeyState.NO_CREDIT) {
            return error(402, "Payment required to access this resource. Visit your billing tab.",
                    "payment_required_error", null, "payment_required", Outcome.ERROR);
        }
        return error(401, "Wrong API Key", "invalid_request_error", "api_key", "wrong_api_key", Outcome.ERROR);
    }

    @Override
    Reply badRequest(String message) {
        return error(400, message, "invalid_request_error", null, "wrong_api_format", Outcome.ERROR);
    }

    @Override
    Reply modelNotFound(String model) {
        return error(404, "Model " + model + " does not exist or you do not have access to it.",
                "not_found_error", "model", "model_not_found", Outcome.ERROR);
    }

    @Override
    Reply modelGone(String model) {
        return modelNotFound(model);
    }

    @Override
    Reply contextTooLong(String model, int requested, int window) {
        return error(400, "Please reduce the length of the messages or completion. Current length is " + requested
                + " while limit is " + window, "invalid_request_error", "messages", "context_length_exceeded", Outcome.ERROR);
    }

    @Override
    Reply rateLimited(Turn turn, Bucket.Limited l) {
        String span = switch (l.metric().span) {
            case MINUTE -> "minute";
            case HOUR -> "hour";
            case DAY -> "day";
        };
        Reply r = l.metric().tokens
                ? error(429, "Tokens per " + span + " limit exceeded - too many tokens processed.",
                        "too_many_tokens_error", "quota", "token_quota_exceeded", Outcome.of(l.metric()))
                : error(429, "Requests per " + span + " limit exceeded - too many requests sent.",
                        "too_many_requests_error", "quota", "request_quota_exceeded", Outcome.of(l.metric()));
        return r.headers(rateLimitHeaders(l.snapshot()));
    }

    @Override
    Reply fault(FaultKind fault, Turn turn) {
        return switch (fault.type()) {
            case QUEUE_EXCEEDED -> error(429, "We're experiencing high traffic right now! Please try again soon.",
                    "too_many_requests_error", "queue", "queue_exceeded", Outcome.OTHER_429);
            case OVERLOADED_503 -> error(503, "Service temporarily unavailable. Please try again later.",
                    "service_unavailable_error", null, "service_unavailable", Outcome.ERROR);
            default -> error(500, "Internal server error. Please try again later.",
                    "internal_server_error", null, "internal_error", Outcome.ERROR);
        };
    }

    @Override
    ObjectNode completion(Turn turn) {
        ObjectNode root = obj().put("id", turn.id()).put("object", "chat.completion")
                .put("created", turn.created()).put("model", turn.model())
                .put("system_fingerprint", "fp_" + hex(10));
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", turn.request().content());
        choice.put("finish_reason", turn.request().finishReason());
        root.set("usage", usage(turn));
        root.set("time_info", timeInfo(turn));
        return root;
    }

    @Override
    Map<String, String> rateLimitHeaders(Bucket.Snapshot s) {
        Map<String, String> h = new LinkedHashMap<>();
        if (s.rpdLimit() >= 0) {
            h.put("x-ratelimit-limit-requests-day", Long.toString(s.rpdLimit()));
        }
        if (s.tpmLimit() >= 0) {
            h.put("x-ratelimit-limit-tokens-minute", Long.toString(s.tpmLimit()));
        }
        if (s.rpdLimit() >= 0) {
            h.put("x-ratelimit-remaining-requests-day", Long.toString(s.rpdRemaining()));
        }
        if (s.tpmLimit() >= 0) {
            h.put("x-ratelimit-remaining-tokens-minute", Long.toString(s.tpmRemaining()));
        }
        if (s.rpdLimit() >= 0) {
            h.put("x-ratelimit-reset-requests-day", Durations.floatSeconds(s.rpdReset()));
        }
        if (s.tpmLimit() >= 0) {
            h.put("x-ratelimit-reset-tokens-minute", Durations.floatSeconds(s.tpmReset()));
        }
        return h;
    }

    @Override
    List<String> streamFrames(Turn turn) {
        List<String> frames = new ArrayList<>();
        frames.add(data(chunk(turn, delta("assistant", null), null)));
        for (String piece : turn.request().pieces()) {
            frames.add(data(chunk(turn, delta(null, piece), null)));
        }
        ObjectNode last = chunk(turn, obj(), turn.request().finishReason());
        last.set("usage", usage(turn));
        last.set("time_info", timeInfo(turn));
        frames.add(data(last));
        if (turn.request().includeUsage()) {
            ObjectNode trailing = envelope(turn);
            trailing.putArray("choices");
            trailing.set("usage", usage(turn));
            trailing.set("time_info", timeInfo(turn));
            frames.add(data(trailing));
        }
        frames.add(DONE);
        return frames;
    }

    @Override
    ObjectNode chunk(Turn turn, ObjectNode delta, String finishReason) {
        ObjectNode c = envelope(turn);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.set("delta", delta);
        choice.put("index", 0);
        if (finishReason != null) {
            choice.put("finish_reason", finishReason);
        }
        return c;
    }

    @Override
    String newId(Turn turn) {
        return chatcmplId();
    }

    private ObjectNode envelope(Turn turn) {
        return obj().put("id", turn.id()).put("object", "chat.completion.chunk")
                .put("created", turn.created()).put("model", turn.model()).put("system_fingerprint", "fp_sim");
    }

    private static ObjectNode usage(Turn turn) {
        ObjectNode u = obj().put("prompt_tokens", turn.prompt()).put("completion_tokens", turn.completion())
                .put("total_tokens", turn.prompt() + turn.completion());
        u.putObject("prompt_tokens_details").put("cached_tokens", 0);
        return u;
    }

    private static ObjectNode timeInfo(Turn turn) {
        double prompt = seconds(turn.prompt() / 40_000.0);
        double completion = seconds(turn.completion() / 2_000.0);
        double queue = 0.000_26;
        return obj().put("queue_time", queue).put("prompt_time", prompt).put("completion_time", completion)
                .put("total_time", seconds(queue + prompt + completion)).put("created", turn.created());
    }

    private static Reply error(int status, String message, String type, String param, String code, Outcome outcome) {
        ObjectNode body = obj().put("message", message).put("type", type);
        if (param == null) {
            body.putNull("param");
        } else {
            body.put("param", param);
        }
        body.put("code", code);
        return Reply.json(status, body, outcome);
    }
}
