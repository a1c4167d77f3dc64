package io.keycycle.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed chat request and its deterministic token accounting.
 *
 * <p>Prompt tokens: for each message, {@code ceil(chars / 4) + 4}, where chars counts the text of
 * a string {@code content} or of the {@code text} parts of an array content. Completion tokens:
 * {@code 20 + (hash(prompt text) mod 41)}, i.e. 20..60, capped by {@code max_completion_tokens}
 * or {@code max_tokens} (then {@code finish_reason} is {@code length}). The answer text is that
 * many filler words.
 */
record ChatRequest(String model, boolean stream, boolean includeUsage, int promptTokens,
                   int completionTokens, String finishReason, List<String> words, int maxCompletion, boolean usesTools,
                   String promptText) {

    /** What Cerebras reserves when a request gives no {@code max_completion_tokens} (providers.md §9). */
    static final int CEREBRAS_DEFAULT_RESERVATION = 16_384;

    private static final String[] VOCABULARY = {
        "the", "key", "cycle", "turns", "quietly", "while", "tokens", "flow", "through", "each",
        "window", "and", "minute", "limits", "hold", "steady", "as", "requests", "arrive", "soon",
        "models", "answer", "with", "simulated", "words", "that", "mean", "nothing", "much", "here",
        "yet", "count", "exactly", "right", "every", "time", "they", "are", "sent", "back", "again"};

    /** Parses the body; throws {@link IllegalArgumentException} with a client-facing message. */
    static ChatRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new IllegalArgumentException("'model' is required and must be a non-empty string");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("'messages' is required and must be a non-empty array");
        }
        int prompt = 0;
        StringBuilder text = new StringBuilder();
        for (JsonNode m : messages) {
            if (!m.isObject()) {
                throw new IllegalArgumentException("each message must be an object");
            }
            String content = contentText(m.get("content"));
            text.append(content).append('\n');
            prompt += (content.length() + 3) / 4 + 4;
        }
        Integer cap = intField(body, "max_completion_tokens");
        if (cap == null) {
            cap = intField(body, "max_tokens");
        }
        int natural = 20 + Math.floorMod(text.toString().hashCode(), 41);
        int completion = cap == null ? natural : Math.min(natural, cap);
        String finish = cap != null && cap < natural ? "length" : "stop";
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        JsonNode tools = body.get("tools");
        boolean usesTools = tools != null && tools.isArray() && !tools.isEmpty();
        return new ChatRequest(model.asText(), stream, includeUsage, prompt, completion, finish,
                words(text.toString().hashCode(), completion), cap == null ? -1 : cap, usesTools, text.toString());
    }

    /**
     * The tokens Cerebras holds against its token limits when the request arrives: the prompt plus
     * {@code max_completion_tokens} (or {@code max_tokens}), 16,384 when the request names none.
     */
    int cerebrasReservation() {
        return promptTokens + (maxCompletion > 0 ? maxCompletion : CEREBRAS_DEFAULT_RESERVATION);
    }

    int chargedTokens() {
        return promptTokens + completionTokens;
    }

    /** The answer split into up to five stream pieces (at least one). */
    List<String> pieces() {
        List<String> out = new ArrayList<>();
        int n = Math.max(1, Math.min(5, words.size()));
        int per = Math.max(1, (words.size() + n - 1) / n);
        for (int i = 0; i < words.size(); i += per) {
            String piece = String.join(" ", words.subList(i, Math.min(words.size(), i + per)));
            out.add(i == 0 ? piece : " " + piece);
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }

    String content() {
        return String.join("", pieces());
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder b = new StringBuilder();
            for (JsonNode part : content) {
                if (part.path("text").isTextual()) {
                    b.append(part.get("text").asText());
                }
            }
            return b.toString();
        }
        throw new IllegalArgumentException("message 'content' must be a string or an array of parts");
    }

    private static Integer intField(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw new IllegalArgumentException("'" + name + "' must be a positive integer, was " + v);
        }
        return v.asInt();
    }

    private static List<String> words(int seed, int count) {
        List<String> out = new ArrayList<>(count);
        int x = seed;
        for (int i = 0; i < count; i++) {
            x = x * 1_103_515_245 + 12_345;
            out.add(VOCABULARY[Math.floorMod(x >>> 8, VOCABULARY.length)]);
        }
        return out;
    }
}
