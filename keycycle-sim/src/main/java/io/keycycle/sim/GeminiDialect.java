package io.keycycle.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Gemini's OpenAI-compatible endpoint (providers.md §4): Google error objects wrapped in a JSON
 * array, {@code RESOURCE_EXHAUSTED} with {@code QuotaFailure}/{@code RetryInfo} and no headers, no
 * rate-limit headers on success, alphabetically ordered completion keys, {@code total_tokens}
 * including hidden thinking tokens, usage on the {@code finish_reason} stream frame. Every error is
 * array-wrapped (captures show it for 400 and 429; assumed for the rest). Guessed [U]: the no-key
 * answer and hour-window quota ids (Gemini has no hour quotas).
 */
final class GeminiDialect extends Dialect {

    private static final String SERVICE = "generativelanguage.googleapis.com";
    private static final String REQUESTS = "generativelanguage.googleapis.com/generate_content_free_tier_requests";
    private static final String INPUT_TOKENS = "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count";
    private static final String QUOTA_PREAMBLE = "You exceeded your current quota, please check your plan and billing details. "
            + "For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
            + "To monitor your current usage, head to: https://ai.dev/rate-limit. ";

    @Override
    Reply missingKey() {
        return error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established "
                + "identity). Please use API Key or other form of API consumer identity to call this API.", null, Outcome.ERROR);
    }

    @Override
    Reply keyRejected(KeyState state) {
        return keyRejected(state, null, null);
    }

    /**
     * Google's 403s name the consumer: a suspended key by its own secret ({@code api_key:…}) in the
     * message, the key's project ({@code projects/<number>}) in {@code ErrorInfo.metadata.consumer};
     * the project number is the scope when it is all digits, else a stable number made from it.
     */
    @Override
    Reply keyRejected(KeyState state, String secret, String scope) {
        if (state == KeyState.CONSUMER_SUSPENDED) {
            String message = "Permission denied: Consumer 'api_key:" + secret + "' has been suspended.";
            ArrayNode details = JSON.createArrayNode();
            ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", "CONSUMER_SUSPENDED").put("domain", "googleapis.com");
            info.putObject("metadata").put("service", SERVICE).put("consumer", "projects/" + projectNumber(scope));
            return error(403, "PERMISSION_DENIED", message, details, Outcome.ERROR);
        }
        if (state == KeyState.API_DISABLED) {
            String project = projectNumber(scope);
            String url = "https://console.developers.google.com/apis/api/" + SERVICE + "/overview?project=" + project;
            String message = "Generative Language API has not been used in project " + project + " before or it is disabled. "
                    + "Enable it by visiting " + url + " then retry. If you enabled this API recently, wait a few minutes "
                    + "for the action to propagate to our systems and retry.";
            ArrayNode details = JSON.createArrayNode();
            ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", "SERVICE_DISABLED").put("domain", "googleapis.com");
            info.putObject("metadata").put("consumer", "projects/" + project).put("service", SERVICE)
                    .put("containerInfo", project).put("serviceTitle", "Generative Language API").put("activationUrl", url);
            details.addObject().put("@type", "type.googleapis.com/google.rpc.LocalizedMessage")
                    .put("locale", "en-US").put("message", message);
            details.addObject().put("@type", "type.googleapis.com/google.rpc.Help").putArray("links").addObject()
                    .put("description", "Google developers console API activation").put("url", url);
            return error(403, "PERMISSION_DENIED", message, details, Outcome.ERROR);
        }
        if (state == KeyState.SUSPENDED) {
            return error(403, "PERMISSION_DENIED", "Your API key was reported as leaked. Please use another API key.",
                    null, Outcome.ERROR);
        }
        String message = "API key not valid. Please pass a valid API key.";
        ArrayNode details = JSON.createArrayNode();
        ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com");
        info.putObject("metadata").put("service", SERVICE);
        details.addObject().put("@type", "type.googleapis.com/google.rpc.LocalizedMessage")
                .put("locale", "en-US").put("message", message);
        return error(400, "INVALID_ARGUMENT", message, details, Outcome.ERROR);
    }

    @Override
    Reply badRequest(String message) {
        return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received. " + message, null, Outcome.ERROR);
    }

    @Override
    Reply modelNotFound(String model) {
        return error(404, "NOT_FOUND", "models/" + model + " is not found for API version v1beta, or is not supported "
                + "for generateContent. Call ListModels to see the list of available models and their supported methods.",
                null, Outcome.ERROR);
    }

    @Override
    Reply modelGone(String model) {
        return error(404, "NOT_FOUND", "This model models/" + model + " is no longer available to new users. "
                + "Please update your code to use a newer model for the latest features and improvements.", null, Outcome.ERROR);
    }

    @Override
    Reply noFreeTier(Turn turn) {
        Metric[] all = {Metric.TPM, Metric.RPM, Metric.RPD, Metric.TPD};
        StringBuilder message = new StringBuilder(QUOTA_PREAMBLE);
        ArrayNode violations = JSON.createArrayNode();
        for (Metric m : all) {
            message.append("\n* Quota exceeded for metric: ").append(quotaMetric(m)).append(", limit: 0, model: ").append(turn.quotaModel());
            violation(violations, m, turn.quotaModel(), 0);
        }
        return exhausted(turn, message, violations, shortDelay(turn.now()), Outcome.OTHER_429);
    }

    @Override
    Reply rateLimited(Turn turn, Bucket.Limited l) {
        StringBuilder message = new StringBuilder(QUOTA_PREAMBLE).append("\n* Quota exceeded for metric: ")
                .append(quotaMetric(l.metric())).append(", limit: ").append(l.limit()).append(", model: ").append(turn.quotaModel());
        ArrayNode violations = JSON.createArrayNode();
        violation(violations, l.metric(), turn.quotaModel(), l.limit());
        // A daily exhaustion usually still carries a short retryDelay (providers.md §4.5); the quotaId
        // decides. One capture (§9) carried the hours until 00:00 UTC instead.
        Duration delay = l.metric().span != Metric.Span.DAY ? l.retryIn()
                : turn.longDayRetryDelay() ? untilUtcMidnight(turn.now()) : shortDelay(turn.now());
        return exhausted(turn, message, violations, delay, Outcome.of(l.metric()));
    }

    @Override
    Reply fault(FaultKind fault, Turn turn) {
        if (fault.type() == FaultKind.Type.OVERLOADED_503) {
            return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", null, Outcome.ERROR);
        }
        return error(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                + "https://developers.generativeai.google/guide/troubleshooting", null, Outcome.ERROR);
    }

    @Override
    ObjectNode completion(Turn turn) {
        ObjectNode root = obj();
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("finish_reason", turn.request().finishReason()).put("index", 0);
        choice.putObject("message").put("content", turn.request().content()).put("role", "assistant");
        root.put("created", turn.created()).put("id", turn.id()).put("model", turn.model())
                .put("object", "chat.completion");
        root.set("usage", usage(turn));
        return root;
    }

    @Override
    List<String> streamFrames(Turn turn) {
        List<String> frames = new ArrayList<>();
        List<String> pieces = turn.request().pieces();
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            ObjectNode c = chunk(turn, delta(null, pieces.get(i)).put("role", "assistant"),
                    last ? turn.request().finishReason() : null);
            if (last) {
                c.set("usage", usage(turn));
            }
            frames.add(data(c));
        }
        frames.add(DONE);
        return frames;
    }

    @Override
    ObjectNode chunk(Turn turn, ObjectNode delta, String finishReason) {
        ObjectNode c = obj();
        ObjectNode choice = c.putArray("choices").addObject();
        choice.set("delta", delta);
        if (finishReason != null) {
            choice.put("finish_reason", finishReason);
        }
        choice.put("index", 0);
        return c.put("created", turn.created()).put("id", turn.id()).put("model", turn.model())
                .put("object", "chat.completion.chunk");
    }

    @Override
    String newId(Turn turn) {
        return alnum(23);
    }

    @Override
    ObjectNode models(List<String> ids, long created) {
        ObjectNode root = obj().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ids) {
            data.addObject().put("id", "models/" + id).put("object", "model").put("owned_by", "google");
        }
        return root;
    }

    private static ObjectNode usage(Turn turn) {
        return obj().put("completion_tokens", turn.completion()).put("prompt_tokens", turn.prompt())
                .put("total_tokens", turn.prompt() + turn.completion() + turn.thinkingTokens());
    }

    private Reply exhausted(Turn turn, StringBuilder message, ArrayNode violations, Duration delay, Outcome outcome) {
        message.append("\nPlease retry in ").append(Durations.preciseSeconds(delay)).append("s.");
        ArrayNode details = JSON.createArrayNode();
        ObjectNode help = details.addObject().put("@type", "type.googleapis.com/google.rpc.Help");
        help.putArray("links").addObject().put("description", "Learn more about Gemini API quotas")
                .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
        details.addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure").set("violations", violations);
        details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", retryDelay(delay));
        return error(429, "RESOURCE_EXHAUSTED", message.toString(), details, outcome);
    }

    private static void violation(ArrayNode violations, Metric m, String model, long limit) {
        ObjectNode v = violations.addObject().put("quotaMetric", quotaMetric(m)).put("quotaId", quotaId(m));
        v.putObject("quotaDimensions").put("location", "global").put("model", model);
        v.put("quotaValue", Long.toString(limit));
    }

    /** Protobuf duration as Google writes it: whole seconds when at least one ("38s"), else decimals. */
    static String retryDelay(Duration d) {
        if (d.getSeconds() >= 1) {
            return d.getSeconds() + "s";
        }
        return Durations.preciseSeconds(d) + "s";
    }

    private static Duration untilUtcMidnight(Instant now) {
        return Duration.between(now, now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS));
    }

    /** The 25–60 s delay Google puts on a daily exhaustion: to the next minute boundary, at least 25 s. */
    private static Duration shortDelay(Instant now) {
        Instant nextMinute = now.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        Duration d = Duration.between(now, nextMinute);
        return d.getSeconds() < 25 ? d.plusSeconds(35) : d;
    }

    /** A Google project number for a scope: the scope itself when it is all digits, else twelve digits derived from it. */
    static String projectNumber(String scope) {
        if (scope == null || scope.isEmpty()) {
            return "000000000000";
        }
        if (scope.chars().allMatch(Character::isDigit)) {
            return scope;
        }
        return Long.toString(100_000_000_000L + Math.floorMod(scope.hashCode() * 2_654_435_761L, 900_000_000_000L));
    }

    private static String quotaMetric(Metric m) {
        return m.tokens ? INPUT_TOKENS : REQUESTS;
    }

    private static String quotaId(Metric m) {
        String span = switch (m.span) {
            case MINUTE -> "Minute";
            case HOUR -> "Hour";
            case DAY -> "Day";
        };
        return m.tokens
                ? "GenerateContentInputTokensPerModelPer" + span + "-FreeTier"
                : "GenerateRequestsPer" + span + "PerProjectPerModel-FreeTier";
    }

    private static Reply error(int code, String status, String message, ArrayNode details, Outcome outcome) {
        ArrayNode wrapper = JSON.createArrayNode();
        ObjectNode e = wrapper.addObject().putObject("error").put("code", code).put("message", message).put("status", status);
        if (details != null) {
            e.set("details", details);
        }
        return Reply.json(code, wrapper, outcome);
    }
}
