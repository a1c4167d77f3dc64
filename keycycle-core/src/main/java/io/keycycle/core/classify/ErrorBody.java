package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.Locale;

/**
 * The parts of a provider's answer body that classification reads, whatever envelope it came in:
 * OpenAI-style {@code {"error":{message,type,code,param}}}, Google's {@code {"error":{code,message,
 * status,details}}} (also wrapped in a JSON array by Gemini's OpenAI-compatible endpoint), Cerebras'
 * flat {@code {message,type,param,code}}, FastAPI's {@code {"detail":…}}, or plain text.
 *
 * <p>Parsing never throws: anything that is not JSON leaves {@link #root()} missing and keeps the
 * text, so text rules can still run.
 */
record ErrorBody(JsonNode root, JsonNode error, String message, String type, String code, int numericCode,
                 String param, String status, String text) {

    static final ErrorBody EMPTY = new ErrorBody(MissingNode.getInstance(), MissingNode.getInstance(),
            "", "", "", 0, "", "", "");

    /** Lenient about raw control characters in strings (hand-pasted bodies); otherwise strict JSON. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .build();

    /** Parses a body; never throws. */
    static ErrorBody parse(String body) {
        String text = body == null ? "" : body;
        JsonNode root = readTree(text);
        return of(root, text);
    }

    /** Builds from an already parsed root (an array is unwrapped to its first object). */
    static ErrorBody of(JsonNode parsed, String text) {
        JsonNode root = parsed;
        if (root.isArray()) {
            JsonNode first = root.path(0);
            root = first.isObject() ? first : MissingNode.getInstance();
        }
        if (!root.isObject()) {
            return new ErrorBody(MissingNode.getInstance(), MissingNode.getInstance(), "", "", "", 0, "", "", text);
        }
        JsonNode error = root.path("error");
        String message;
        if (error.isObject()) {
            message = text(error.path("message"));
        } else if (error.isTextual()) {
            message = error.asText();
            error = MissingNode.getInstance();
        } else if (root.has("message") || root.has("code") || root.has("type")) {
            error = root;                       // Cerebras: flat object
            message = text(root.path("message"));
        } else {
            error = MissingNode.getInstance();
            message = text(root.path("detail"));   // FastAPI: {"detail":"Not authenticated"}
        }
        JsonNode codeNode = error.path("code");
        String code = text(codeNode);
        int numeric = codeNode.isIntegralNumber() && codeNode.canConvertToInt() ? codeNode.intValue()
                : code.matches("\\d{3}") ? Integer.parseInt(code) : 0;
        return new ErrorBody(root, error, message, text(error.path("type")), code, numeric,
                text(error.path("param")), text(error.path("status")), text);
    }

    static JsonNode readTree(String text) {
        String t = text.strip();
        if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[')) return MissingNode.getInstance();
        try {
            JsonNode n = JSON.readTree(t);
            return n == null ? MissingNode.getInstance() : n;
        } catch (Exception e) {
            return MissingNode.getInstance();
        }
    }

    /** A node's text: strings as they are, numbers and booleans printed, anything else empty. */
    static String text(JsonNode n) {
        return n != null && n.isValueNode() && !n.isNull() ? n.asText() : "";
    }

    /** True when the body has a top-level {@code error} object or non-blank string (mid-stream failure shape). */
    boolean hasTopLevelError() {
        JsonNode e = root.path("error");
        return e.isObject() || e.isTextual() && !e.asText().isBlank();
    }

    /** Error metadata (OpenRouter {@code error.metadata}), or a missing node. */
    JsonNode metadata() {
        return error.path("metadata");
    }

    /** Message, or the raw text when there is no structured message. Never null. */
    String messageOrText() {
        return message.isEmpty() ? text : message;
    }

    /** Lower-cased {@link #messageOrText()} for phrase matching. */
    String lowerMessage() {
        return messageOrText().toLowerCase(Locale.ROOT);
    }

    boolean codeIs(String expected) {
        return code.equalsIgnoreCase(expected);
    }
}
