package io.keycycle.sim;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The four simulated providers, with the path prefix that mirrors each real base URL and the
 * zone of its calendar day reset (if it has one).
 */
public enum ProviderKind {
    /** {@code /cerebras/v1}; sliding windows, no calendar reset. */
    CEREBRAS("cerebras", "/cerebras/v1", null),
    /** {@code /groq/openai/v1}; sliding minute and hour windows, a day quota that refills gradually. */
    GROQ("groq", "/groq/openai/v1", null),
    /** {@code /gemini/v1beta/openai} (the OpenAI-compatible endpoint); day resets at midnight Pacific. */
    GEMINI("gemini", "/gemini/v1beta/openai", ZoneId.of("America/Los_Angeles")),
    /** {@code /openrouter/api/v1}; day resets at midnight UTC. */
    OPENROUTER("openrouter", "/openrouter/api/v1", ZoneOffset.UTC);

    private final String id;
    private final String pathPrefix;
    private final ZoneId dayResetZone;

    ProviderKind(String id, String pathPrefix, ZoneId dayResetZone) {
        this.id = id;
        this.pathPrefix = pathPrefix;
        this.dayResetZone = dayResetZone;
    }

    /** Lower-case name used in URLs, configuration and stats: {@code groq}. */
    public String id() {
        return id;
    }

    /** Path prefix under the simulator's root, e.g. {@code /groq/openai/v1}. */
    public String pathPrefix() {
        return pathPrefix;
    }

    /** Zone whose midnight resets day windows, or {@code null} when day windows slide over 24 h. */
    public ZoneId dayResetZone() {
        return dayResetZone;
    }

    /** Looks a provider up by its {@link #id()} (case-insensitive). */
    public static ProviderKind of(String id) {
        for (ProviderKind k : values()) {
            if (k.id.equals(id == null ? null : id.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown provider '" + id + "', expected one of "
                + Arrays.stream(values()).map(ProviderKind::id).collect(Collectors.joining(", ")));
    }
}
