package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.classify.ProviderProfiles;

import java.util.OptionalLong;

/**
 * What a chat request will cost before it is sent, so the engine can reserve it:
 * {@code reservation = estimatePromptTokens + (maxTokens or a default completion budget)}.
 *
 * <p>The prompt estimate is a heuristic, not a tokenizer: for each message
 * {@code ceil(chars / 4) + 4}, where chars counts the text of {@code content} (a string, or the
 * {@code text} of its parts), {@code name}, {@code tool_calls} and {@code tool_call_id};
 * plus {@code ceil(chars / 4)} of the {@code tools} / {@code functions} definitions as JSON.
 * Non-text parts (images, audio) are not counted. English text runs near 4 characters per token;
 * code, non-Latin scripts and images cost more, so the reservation can be low, and the engine
 * replaces it with the provider's reported usage afterwards.
 */
public final class TokenEstimator {

    /** Overhead per message (role and separators) in the estimate. */
    public static final int TOKENS_PER_MESSAGE = 4;

    private TokenEstimator() {}

    /** @throws IllegalArgumentException the body is not a JSON object or {@code messages} is not an array */
    public static long estimatePromptTokens(JsonNode requestBody) {
        JsonNode body = Json.requestObject(requestBody);
        JsonNode messages = body.path("messages");
        if (!messages.isMissingNode() && !messages.isNull() && !messages.isArray()) {
            throw new IllegalArgumentException("messages must be an array, was " + messages.getNodeType());
        }
        long tokens = 0;
        for (JsonNode m : messages) {
            long chars = contentChars(m.get("content")) + textChars(m.get("name")) + textChars(m.get("tool_call_id"));
            JsonNode toolCalls = m.get("tool_calls");
            if (toolCalls != null && !toolCalls.isNull()) {
                chars += toolCalls.toString().length();
            }
            tokens += ceilQuarter(chars) + TOKENS_PER_MESSAGE;
        }
        for (String field : new String[] {"tools", "functions"}) {
            JsonNode defs = body.get(field);
            if (defs != null && !defs.isNull()) {
                tokens += ceilQuarter(defs.toString().length());
            }
        }
        return tokens;
    }

    /** As {@link #estimatePromptTokens(JsonNode)} for a serialised body. */
    public static long estimatePromptTokens(byte[] requestBody) {
        return estimatePromptTokens(Json.requestObject(requestBody));
    }

    /**
     * The completion limit the request asks for: {@code max_completion_tokens} or {@code max_tokens}
     * (the larger when both are given), empty when neither is.
     *
     * @throws IllegalArgumentException one of them is present but not a non-negative integer
     */
    public static OptionalLong maxTokens(JsonNode requestBody) {
        JsonNode body = Json.requestObject(requestBody);
        long a = limit(body, "max_completion_tokens");
        long b = limit(body, "max_tokens");
        long max = Math.max(a, b);
        return max < 0 ? OptionalLong.empty() : OptionalLong.of(max);
    }

    public static OptionalLong maxTokens(byte[] requestBody) {
        return maxTokens(Json.requestObject(requestBody));
    }

    /**
     * Tokens to reserve before the call: the prompt estimate plus {@link #maxTokens} or, when the
     * request sets no limit, {@code defaultCompletionBudget}.
     */
    public static long reservation(JsonNode requestBody, long defaultCompletionBudget) {
        if (defaultCompletionBudget < 0) {
            throw new IllegalArgumentException("defaultCompletionBudget must be >= 0, was " + defaultCompletionBudget);
        }
        return estimatePromptTokens(requestBody) + maxTokens(requestBody).orElse(defaultCompletionBudget);
    }

    public static long reservation(byte[] requestBody, long defaultCompletionBudget) {
        return reservation(Json.requestObject(requestBody), defaultCompletionBudget);
    }

    /**
     * What {@code provider} reserves for the completion of a request that sets no limit, when it
     * reserves up front ({@link ProviderProfile#reservedCompletion()}: Cerebras, 16,384).
     */
    public static OptionalLong reservedCompletion(String provider) {
        return ProviderProfiles.forProvider(provider).reservedCompletion();
    }

    /**
     * The reservation the way {@code provider} counts it. A provider that reserves up front
     * (Cerebras) holds prompt + {@code max_completion_tokens} against its token limits when the
     * request arrives, assuming its own default when the request sets none, so the estimate does the
     * same; a provider whose token limits count input only ({@link ProviderProfile#tokenLimitsCountInputOnly()}:
     * Gemini) reserves the prompt estimate alone; every other provider gets {@link #reservation(JsonNode, long)}.
     */
    public static long reservationFor(String provider, JsonNode requestBody, long defaultCompletionBudget) {
        if (ProviderProfiles.forProvider(provider).tokenLimitsCountInputOnly()) return estimatePromptTokens(requestBody);
        OptionalLong held = reservedCompletion(provider);
        if (held.isPresent()) {
            return estimatePromptTokens(requestBody) + maxTokens(requestBody).orElse(held.getAsLong());
        }
        return reservation(requestBody, defaultCompletionBudget);
    }

    /**
     * {@link #reservationFor(String, JsonNode, long)} for a request known by its estimated prompt and
     * its completion limit (a library model's request that is not a JSON body).
     */
    public static long reservationFor(String provider, long promptTokens, OptionalLong maxTokens, long defaultCompletionBudget) {
        if (ProviderProfiles.forProvider(provider).tokenLimitsCountInputOnly()) return promptTokens;
        OptionalLong held = reservedCompletion(provider);
        return promptTokens + maxTokens.orElse(held.isPresent() ? held.getAsLong() : defaultCompletionBudget);
    }

    /**
     * Why a request can never be admitted by a provider that reserves up front, or null when it can:
     * its reservation is above the {@code tpm} limit (Cerebras answers such a request with 429 every
     * time, however long one waits). Names the numbers and what to set.
     */
    public static String neverFits(String provider, String model, JsonNode requestBody, long tpm) {
        if (reservedCompletion(provider).isEmpty() || tpm < 0) return null;
        return neverFits(provider, model, estimatePromptTokens(requestBody), maxTokens(requestBody), tpm);
    }

    /** {@link #neverFits(String, String, JsonNode, long)} for a request known by its estimated prompt and completion limit. */
    public static String neverFits(String provider, String model, long prompt, OptionalLong max, long tpm) {
        OptionalLong held = reservedCompletion(provider);
        if (held.isEmpty() || tpm < 0) return null;
        long completion = max.orElse(held.getAsLong());
        if (prompt + completion <= tpm) return null;
        String fix = prompt >= tpm
                ? "shorten the prompt: it alone is estimated at " + prompt + " tokens"
                : "set max_completion_tokens to at most " + (tpm - prompt) + " (or shorten the prompt)";
        return provider + "/" + model + " reserves prompt + max_completion_tokens"
                + (max.isPresent() ? "" : String.format(java.util.Locale.ROOT, " (%,d when the request sets none)", held.getAsLong()))
                + " against its limit of " + tpm + " tokens per minute when the request arrives; this request would reserve "
                + (prompt + completion) + " (prompt ~" + prompt + " + " + completion + "), which can never fit, so it was not sent; "
                + fix;
    }

    private static long limit(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return -1;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new IllegalArgumentException(field + " must be a non-negative integer, was " + n);
        }
        return n.longValue();
    }

    private static long contentChars(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isTextual()) {
            return content.asText().length();
        }
        long chars = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                chars += part.isTextual() ? part.asText().length() : textChars(part.get("text"));
            }
        }
        return chars;
    }

    private static long textChars(JsonNode n) {
        return n != null && n.isTextual() ? n.asText().length() : 0;
    }

    private static long ceilQuarter(long chars) {
        return (chars + 3) / 4;
    }
}
