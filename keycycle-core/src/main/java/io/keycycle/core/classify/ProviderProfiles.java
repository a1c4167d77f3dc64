package io.keycycle.core.classify;

import io.keycycle.core.ProviderProfile;

import java.util.Locale;

/**
 * The front door of classification: the {@link ProviderProfile} for a provider name.
 *
 * <pre>{@code
 * ProviderProfile groq = ProviderProfiles.forProvider("groq");
 * Outcome o = groq.classify(response, clock.now());
 * }</pre>
 *
 * Profiles are stateless, immutable and thread-safe; the known ones are shared instances. An
 * unknown name gets the generic OpenAI-compatible profile, which reports that name.
 */
public final class ProviderProfiles {

    private static final ProviderProfile CEREBRAS = new CerebrasProfile();
    private static final ProviderProfile GROQ = new GroqProfile();
    private static final ProviderProfile GEMINI = new GeminiProfile();
    private static final ProviderProfile OPENROUTER = new OpenRouterProfile();

    private ProviderProfiles() {
    }

    /**
     * The profile for {@code name} (case-insensitive, trimmed): {@code cerebras}, {@code groq},
     * {@code gemini}, {@code openrouter}; anything else gets {@link #generic(String)}.
     *
     * @throws IllegalArgumentException if the name is null or blank
     */
    public static ProviderProfile forProvider(String name) {
        String n = normalise(name);
        return switch (n) {
            case "cerebras" -> CEREBRAS;
            case "groq" -> GROQ;
            case "gemini" -> GEMINI;
            case "openrouter" -> OPENROUTER;
            default -> new GenericProfile(n);
        };
    }

    /**
     * The generic OpenAI-compatible profile under {@code name}: status rules, {@code retry-after},
     * "try again in" text, window wording in messages, and window-suffixed rate-limit headers.
     *
     * @throws IllegalArgumentException if the name is null or blank
     */
    public static ProviderProfile generic(String name) {
        return new GenericProfile(normalise(name));
    }

    private static String normalise(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("provider name must not be blank, was " + (name == null ? "null" : "'" + name + "'"));
        }
        return name.strip().toLowerCase(Locale.ROOT);
    }
}
