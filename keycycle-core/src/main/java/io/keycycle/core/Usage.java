package io.keycycle.core;

/** Token usage reported by a provider for one call. */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {

    public static final Usage NONE = new Usage(0, 0, 0);

    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || totalTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0: " + promptTokens + "/" + completionTokens + "/" + totalTokens);
        }
    }

    public static Usage of(long prompt, long completion) { return new Usage(prompt, completion, prompt + completion); }

    /**
     * Tokens charged against token limits. Providers such as Gemini count hidden thinking tokens
     * only in the total, so the larger of total and prompt+completion is charged.
     */
    public long charged() { return Math.max(totalTokens, promptTokens + completionTokens); }
}
