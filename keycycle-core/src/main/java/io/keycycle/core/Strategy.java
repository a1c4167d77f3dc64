package io.keycycle.core;

/** How a provider counts limits: per (scope, model), or one budget per scope for all models. */
public enum Strategy {
    /** Counters per (scope, model): Cerebras, Groq, Gemini. */
    PER_MODEL,
    /** One counter set per scope shared by every model: OpenRouter's free models. */
    GLOBAL;

    public static Strategy parse(String s) {
        String n = s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "per-model" -> PER_MODEL;
            case "global" -> GLOBAL;
            default -> throw new ConfigurationException("unknown strategy '" + s + "': expected per-model or global");
        };
    }
}
