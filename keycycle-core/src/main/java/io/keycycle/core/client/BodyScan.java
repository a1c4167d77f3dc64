package io.keycycle.core.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.keycycle.core.Usage;

import java.io.IOException;

/**
 * What a provider's JSON answer says about usage and errors, read from its bytes with a streaming
 * parser that skips everything else (choices, message text) instead of building a tree: the
 * gateway's hot path classifies every answer, and the content is the largest part of it.
 *
 * <p>Reads the same fields as {@link UsageReader}: top-level {@code usage}, Groq's
 * {@code x_groq.usage}, Gemini's {@code usageMetadata}, in that order of preference, and notes a
 * top-level {@code error}. A count that is present but not a non-negative integer makes that
 * usage object unusable, as in {@link UsageReader}. Never throws.
 *
 * @param object true when the bytes start with one well-formed JSON object (what follows it is ignored, as a tree parser does)
 * @param error  true when that object has a non-null top-level {@code error}
 * @param usage  the usage found, or null
 */
public record BodyScan(boolean object, boolean error, Usage usage) {

    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();
    private static final BodyScan NOT_AN_OBJECT = new BodyScan(false, false, null);

    /** Scans {@code length} bytes from {@code offset}. */
    public static BodyScan of(byte[] bytes, int offset, int length) {
        try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return NOT_AN_OBJECT;
            boolean error = false;
            Usage openAi = null, groq = null, gemini = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "usage" -> openAi = usage(p, value, "prompt_tokens", "completion_tokens", "total_tokens", true);
                    case "usageMetadata" -> gemini = usage(p, value, "promptTokenCount", "candidatesTokenCount", "totalTokenCount", false);
                    case "x_groq" -> groq = xGroq(p, value);
                    case "error" -> {
                        error = value != JsonToken.VALUE_NULL;
                        p.skipChildren();
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) return NOT_AN_OBJECT;
            return new BodyScan(true, error, openAi != null ? openAi : groq != null ? groq : gemini);
        } catch (IOException | RuntimeException e) {
            return NOT_AN_OBJECT;
        }
    }

    private static Usage xGroq(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        Usage found = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("usage")) found = usage(p, v, "prompt_tokens", "completion_tokens", "total_tokens", true);
            else p.skipChildren();
        }
        return found;
    }

    private static final long ABSENT = -1;
    private static final long BAD = -2;

    /**
     * A usage object at the parser's current START_OBJECT (consumed); null when absent or unusable.
     * {@code details}: an OpenAI-shaped object, whose {@code prompt_tokens_details.cached_tokens} is read too.
     */
    private static Usage usage(JsonParser p, JsonToken value, String promptField, String completionField, String totalField,
                               boolean details) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        long prompt = ABSENT, completion = ABSENT, total = ABSENT, cached = ABSENT;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals(promptField)) prompt = count(p, v);
            else if (field.equals(completionField)) completion = count(p, v);
            else if (field.equals(totalField)) total = count(p, v);
            else if (details && field.equals("prompt_tokens_details")) cached = cached(p, v);
            else p.skipChildren();
        }
        if (prompt < 0 && completion < 0 && total < 0) return null;
        if (prompt == BAD || completion == BAD || total == BAD) return null;
        long pr = Math.max(prompt, 0);
        long co = Math.max(completion, 0);
        return new Usage(pr, co, total < 0 ? pr + co : total, Math.max(cached, 0));
    }

    /** {@code cached_tokens} of a {@code prompt_tokens_details} object (consumed); absent or bad as in {@link #count}. */
    private static long cached(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return ABSENT;
        }
        long cached = ABSENT;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("cached_tokens")) cached = count(p, v);
            else p.skipChildren();
        }
        return cached;
    }

    private static long count(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NULL) return ABSENT;
        if (v == JsonToken.VALUE_NUMBER_INT) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) return BAD;
            long n = p.getLongValue();
            return n >= 0 ? n : BAD;
        }
        p.skipChildren();
        return BAD;
    }
}
