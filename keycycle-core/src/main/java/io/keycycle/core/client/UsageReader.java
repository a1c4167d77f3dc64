package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.Usage;

import java.util.Optional;

/**
 * Reads token usage from a provider's response body or stream chunk, in this order:
 * top-level {@code usage} (OpenAI shape; Cerebras, Gemini compat, OpenRouter, Groq's
 * {@code include_usage} chunk), Groq's {@code x_groq.usage} (its default streaming finish chunk),
 * Gemini native {@code usageMetadata}. A reported {@code total_tokens} larger than
 * prompt + completion (Gemini counts hidden thinking tokens only there) is kept as reported.
 * Missing, null, negative or non-numeric counts mean "no usage"; this class never throws.
 */
public final class UsageReader {

    private UsageReader() {}

    /** Usage from a body that may be any text (JSON or not). */
    /**
     * A body of just {@code {"usage":{…}}} carrying {@code u} the way {@link #fromBody} reads it back
     * (cached prompt tokens included): what a stream or an answer judged apart from its bytes is
     * classified with.
     */
    public static String asBody(Usage u) {
        return "{\"usage\":{\"prompt_tokens\":" + u.promptTokens() + ",\"completion_tokens\":" + u.completionTokens()
                + ",\"total_tokens\":" + u.totalTokens() + ",\"prompt_tokens_details\":{\"cached_tokens\":" + u.cachedTokens() + "}}}";
    }

    public static Optional<Usage> fromBody(String body) {
        return Json.tryParse(body).flatMap(UsageReader::fromJson);
    }

    /** Usage from a parsed response object or chunk. */
    public static Optional<Usage> fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        Optional<Usage> openAi = openAi(node.get("usage"));
        if (openAi.isPresent()) {
            return openAi;
        }
        JsonNode xGroq = node.get("x_groq");
        if (xGroq != null && xGroq.isObject()) {
            Optional<Usage> groq = openAi(xGroq.get("usage"));
            if (groq.isPresent()) {
                return groq;
            }
        }
        return gemini(node.get("usageMetadata"));
    }

    private static Optional<Usage> openAi(JsonNode u) {
        Optional<Usage> usage = of(u, "prompt_tokens", "completion_tokens", "total_tokens");
        if (usage.isEmpty()) return usage;
        JsonNode details = u.get("prompt_tokens_details");
        long cached = details != null && details.isObject() ? count(details.get("cached_tokens")) : ABSENT;
        if (cached <= 0) return usage;
        Usage x = usage.get();
        return Optional.of(new Usage(x.promptTokens(), x.completionTokens(), x.totalTokens(), cached));
    }

    private static Optional<Usage> gemini(JsonNode u) {
        return of(u, "promptTokenCount", "candidatesTokenCount", "totalTokenCount");
    }

    private static Optional<Usage> of(JsonNode u, String promptField, String completionField, String totalField) {
        if (u == null || !u.isObject()) {
            return Optional.empty();
        }
        long prompt = count(u.get(promptField));
        long completion = count(u.get(completionField));
        long total = count(u.get(totalField));
        if (prompt < 0 && completion < 0 && total < 0) {
            return Optional.empty();
        }
        if (prompt == BAD || completion == BAD || total == BAD) {
            return Optional.empty();
        }
        long p = Math.max(prompt, 0);
        long c = Math.max(completion, 0);
        long t = total < 0 ? p + c : total;
        return Optional.of(new Usage(p, c, t));
    }

    private static final long ABSENT = -1;
    private static final long BAD = -2;

    /** A count, {@link #ABSENT} when missing/null, {@link #BAD} when present but not a count. */
    private static long count(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return ABSENT;
        }
        if (n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0) {
            return n.longValue();
        }
        return BAD;
    }
}
