package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.Usage;

/**
 * Reads token usage from a success body: OpenAI-style {@code usage}
 * ({@code prompt_tokens/completion_tokens/total_tokens}), Groq's streamed {@code x_groq.usage}, and
 * Gemini's native {@code usageMetadata} (also the last element of a non-SSE stream array). The
 * provider's total is kept even when it exceeds prompt + completion (hidden thinking tokens).
 */
final class UsageReader {

    private UsageReader() {
    }

    /** Usage from a parsed body, or null when it carries none. */
    static Usage read(JsonNode root) {
        if (root == null) return null;
        if (root.isArray()) {
            for (int i = root.size() - 1; i >= 0; i--) {
                Usage u = read(root.get(i));
                if (u != null) return u;
            }
            return null;
        }
        if (!root.isObject()) return null;
        Usage u = openAi(root.path("usage"));
        if (u == null) u = openAi(root.path("x_groq").path("usage"));
        if (u == null) u = gemini(root.path("usageMetadata"));
        return u;
    }

    private static Usage openAi(JsonNode usage) {
        Usage u = of(count(usage, "prompt_tokens"), count(usage, "completion_tokens"), count(usage, "total_tokens"));
        long cached = count(usage.path("prompt_tokens_details"), "cached_tokens");
        return u == null || cached <= 0 ? u : new Usage(u.promptTokens(), u.completionTokens(), u.totalTokens(), cached);
    }

    private static Usage gemini(JsonNode meta) {
        return of(count(meta, "promptTokenCount"), count(meta, "candidatesTokenCount"), count(meta, "totalTokenCount"));
    }

    private static Usage of(long prompt, long completion, long total) {
        if (prompt < 0 && completion < 0 && total < 0) return null;
        long p = Math.max(prompt, 0);
        long c = Math.max(completion, 0);
        long t = total >= 0 ? total : p + c;
        return new Usage(p, c, t);
    }

    /** A non-negative count, or -1 when absent or not a sane number. */
    private static long count(JsonNode parent, String field) {
        if (!parent.isObject()) return -1;
        JsonNode n = parent.path(field);
        if (n.isIntegralNumber() && n.canConvertToLong()) return n.longValue() >= 0 ? n.longValue() : -1;
        if (n.isNumber() && n.doubleValue() >= 0 && n.doubleValue() < 9e18) return (long) n.doubleValue();
        return -1;
    }
}
