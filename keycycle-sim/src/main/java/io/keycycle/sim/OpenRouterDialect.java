package io.keycycle.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenRouter (providers.md §5): {@code {"error":{code,message,metadata}}} (plus {@code user_id} on
 * 429s), {@code free-models-per-min} / {@code free-models-per-day[-high-balance]} with the limiter's
 * numbers both in {@code metadata.headers} and as real {@code X-RateLimit-*} headers (reset in epoch
 * ms), no rate-limit headers on success, {@code gen-} ids with {@code provider} and {@code cost},
 * {@code : OPENROUTER PROCESSING} comments and a final usage chunk when streaming. Guessed [U]: the
 * wording for non-{@code :free} models that have limits and for hour windows.
 */
final class OpenRouterDialect extends Dialect {

    static final String UPSTREAM = "Google AI Studio";

    @Override
    Reply missingKey() {
        return error(401, "No cookie auth credentials found", Outcome.ERROR);
    }

    @Override
    Reply keyRejected(KeyState state) {
        if (state == KeyState.NO_CREDIT) {
            return error(402, "Insufficient credits. Add more using https://openrouter.ai/settings/credits", Outcome.ERROR);
        }
        if (state == KeyState.KEY_LIMIT) {
            // providers.md §9: a 402 naming the key's own limit; the exact wording is a guess [U].
            ObjectNode body = obj();
            body.putObject("error").put("code", 402)
                    .put("message", "Key limit exceeded. This key's spending limit is used up; manage it using "
                            + "https://openrouter.ai/settings/keys")
                    .putObject("metadata").put("limit_source", "openrouter_key_limit");
            return Reply.json(402, body, Outcome.ERROR);
        }
        return error(401, "User not found.", Outcome.ERROR);
    }

    @Override
    Reply badRequest(String message) {
        return error(400, message, Outcome.ERROR);
    }

    @Override
    Reply modelNotFound(String model) {
        return error(404, "No endpoints found for " + model + ".", Outcome.ERROR);
    }

    @Override
    Reply modelGone(String model) {
        return modelNotFound(model);
    }

    @Override
    Reply noEndpointForRequest(String model, String what) {
        return error(404, "No endpoints found that support " + what + ". To learn more about provider routing, visit: "
                + "https://openrouter.ai/docs/guides/routing/provider-selection", Outcome.ERROR);
    }

    /**
     * {@code GET /api/v1/key}: what OpenRouter reports about the calling key — its label, spending
     * limit and the account's free-model day counter (providers.md §5.2).
     */
    ObjectNode keyInfo(String label, boolean keyLimitReached, boolean highBalance, long freeLimit, long freeUsed) {
        ObjectNode root = obj();
        ObjectNode d = root.putObject("data").put("label", label);
        if (keyLimitReached) {
            d.put("limit", 1.0).put("limit_remaining", 0.0).put("usage", 1.0);
        } else {
            d.putNull("limit").putNull("limit_remaining").put("usage", 0.0);
        }
        d.put("is_free_tier", !highBalance);
        d.putObject("free_model_daily_requests").put("limit", freeLimit)
                .put("remaining", Math.max(0, freeLimit - freeUsed)).put("used", freeUsed);
        return root;
    }

    /** {@code GET /api/v1/credits}: credits bought and used; none left when the account is out of credit. */
    ObjectNode credits(boolean noCredit, boolean highBalance) {
        double bought = highBalance ? 10.0 : 0.0;
        ObjectNode root = obj();
        root.putObject("data").put("total_credits", bought).put("total_usage", noCredit ? bought + 0.5 : 0.0);
        return root;
    }

    @Override
    Reply rateLimited(Turn turn, Bucket.Limited l) {
        boolean day = l.metric().span == Metric.Span.DAY;
        String message;
        String source;
        String hint = null;
        if (turn.accountWide()) {
            if (day && turn.highBalance()) {
                message = "Rate limit exceeded: free-models-per-day-high-balance. ";
                hint = "Wait for the daily reset (see X-RateLimit-Reset), or purchase credits to use paid models.";
            } else if (day) {
                message = "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day";
            } else {
                message = l.metric().span == Metric.Span.HOUR
                        ? "Rate limit exceeded: free-models-per-hour. " : "Rate limit exceeded: free-models-per-min. ";
            }
            source = day ? "openrouter_free_tier_daily" : "free_tier_per_minute";
        } else {
            message = day ? "Rate limit exceeded: per-model-per-day. " : "Rate limit exceeded: per-model-per-min. ";
            source = day ? "openrouter_per_model_daily" : "openrouter_per_model_minute";
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-RateLimit-Limit", Long.toString(l.limit()));
        headers.put("X-RateLimit-Remaining", "0");
        headers.put("X-RateLimit-Reset", Long.toString(turn.now().plus(l.retryIn()).toEpochMilli()));
        ObjectNode body = obj();
        ObjectNode e = body.putObject("error").put("code", 429).put("message", message);
        ObjectNode meta = e.putObject("metadata");
        ObjectNode mh = meta.putObject("headers");
        headers.forEach(mh::put);
        meta.put("limit_source", source);
        if (hint != null) {
            meta.put("remedy_hint", hint);
        }
        meta.putNull("provider_name");
        body.put("user_id", userId(turn));
        return Reply.json(429, body, Outcome.of(l.metric())).headers(headers);
    }

    @Override
    Reply fault(FaultKind fault, Turn turn) {
        return switch (fault.type()) {
            case UPSTREAM_429 -> {
                String raw = turn.model() + " is temporarily rate-limited upstream. Please retry shortly, or add your own key "
                        + "to accumulate your rate limits: https://openrouter.ai/settings/integrations";
                ObjectNode body = obj();
                ObjectNode meta = body.putObject("error").put("code", 429).put("message", raw).putObject("metadata");
                meta.put("raw", raw).put("provider_name", UPSTREAM).put("is_byok", false)
                        .put("provider_error_code", "429").put("limit_source", "upstream_provider_shared_pool")
                        .put("remedy_hint", "Retry shortly, or add your own provider key.");
                body.put("user_id", userId(turn));
                yield Reply.json(429, body, Outcome.OTHER_429);
            }
            case OVERLOADED_503 -> error(503, "There is no available model provider that meets your routing requirements",
                    Outcome.ERROR);
            default -> error(500, "Internal Server Error", Outcome.ERROR);
        };
    }

    @Override
    ObjectNode completion(Turn turn) {
        ObjectNode root = obj().put("id", turn.id()).put("provider", UPSTREAM).put("model", turn.model())
                .put("object", "chat.completion").put("created", turn.created());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.putNull("logprobs");
        choice.put("finish_reason", turn.request().finishReason()).put("native_finish_reason", turn.request().finishReason());
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", turn.request().content())
                .putNull("refusal").putNull("reasoning");
        root.set("usage", usage(turn));
        return root;
    }

    @Override
    Map<String, String> successHeaders(Turn turn) {
        return Map.of("X-Generation-Id", turn.id());
    }

    @Override
    List<String> streamFrames(Turn turn) {
        List<String> frames = new ArrayList<>();
        frames.add(": OPENROUTER PROCESSING\n\n");
        frames.add(": OPENROUTER PROCESSING\n\n");
        for (String piece : turn.request().pieces()) {
            frames.add(data(chunk(turn, delta("assistant", piece), null)));
        }
        frames.add(data(chunk(turn, delta("assistant", ""), turn.request().finishReason())));
        ObjectNode usage = chunk(turn, delta("assistant", ""), null);
        usage.set("usage", usage(turn));
        frames.add(data(usage));
        frames.add(DONE);
        return frames;
    }

    @Override
    ObjectNode chunk(Turn turn, ObjectNode delta, String finishReason) {
        ObjectNode c = obj().put("id", turn.id()).put("provider", UPSTREAM).put("model", turn.model())
                .put("object", "chat.completion.chunk").put("created", turn.created());
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason").putNull("native_finish_reason");
        } else {
            choice.put("finish_reason", finishReason).put("native_finish_reason", finishReason);
        }
        choice.putNull("logprobs");
        return c;
    }

    @Override
    String newId(Turn turn) {
        return "gen-" + turn.created() + "-" + alnum(20);
    }

    @Override
    ObjectNode models(List<String> ids, long created) {
        ObjectNode root = obj();
        ArrayNode data = root.putArray("data");
        for (String id : ids) {
            ObjectNode m = data.addObject().put("id", id).put("name", id).put("created", created).put("context_length", 131_072);
            String price = id.endsWith(":free") ? "0" : "0.0000001";
            m.putObject("pricing").put("prompt", price).put("completion", price);
        }
        return root;
    }

    private static ObjectNode usage(Turn turn) {
        boolean free = turn.model().endsWith(":free");
        ObjectNode u = obj().put("prompt_tokens", turn.prompt()).put("completion_tokens", turn.completion())
                .put("total_tokens", turn.prompt() + turn.completion())
                .put("cost", free ? 0 : (turn.prompt() + turn.completion()) * 1e-7).put("is_byok", false);
        u.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        u.putObject("cost_details").put("upstream_inference_cost", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0);
        return u;
    }

    private static String userId(Turn turn) {
        return "user_sim" + Integer.toHexString(turn.scope().hashCode());
    }

    private static Reply error(int code, String message, Outcome outcome) {
        ObjectNode body = obj();
        body.putObject("error").put("message", message).put("code", code);
        return Reply.json(code, body, outcome);
    }
}
