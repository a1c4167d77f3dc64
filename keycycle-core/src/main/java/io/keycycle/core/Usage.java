package io.keycycle.core;

/**
 * Token usage reported by a provider for one call.
 *
 * @param cachedTokens the prompt tokens the provider served from its prompt cache, part of
 *                     {@code promptTokens} ({@code prompt_tokens_details.cached_tokens}); 0 when not reported
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens) {

    public static final Usage NONE = new Usage(0, 0, 0);

    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0 || cachedTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0: " + promptTokens + "/" + completionTokens + "/" + totalTokens
                    + "/" + cachedTokens);
        }
        cachedTokens = Math.min(cachedTokens, promptTokens); // more cached than sent is garbage: at most the prompt
    }

    /** Usage without a count of cached prompt tokens. */
    public Usage(long promptTokens, long completionTokens, long totalTokens) {
        this(promptTokens, completionTokens, totalTokens, 0);
    }

    public static Usage of(long prompt, long completion) { return new Usage(prompt, completion, prompt + completion); }

    /**
     * Tokens charged against token limits. Providers such as Gemini count hidden thinking tokens
     * only in the total, so the larger of total and prompt+completion is charged.
     */
    public long charged() { return Math.max(totalTokens, promptTokens + completionTokens); }
}
