package io.keycycle.core;

import java.time.Instant;
import java.util.OptionalLong;

/**
 * How one provider talks: classification of its answers and failures into {@link Outcome}s.
 * Implementations are stateless and thread-safe. Structured fields are read first, text last;
 * a classifier never throws, whatever the body holds.
 */
public interface ProviderProfile {

    /** Provider name, lower case ({@code groq}). */
    String name();

    /**
     * Classifies an HTTP answer. {@code now} turns relative waits into instants where needed
     * (e.g. the next daily reset). For 2xx answers the usage is read from the body when present and
     * rate-limit headers become {@link Outcome#observations()}.
     */
    Outcome classify(ProviderResponse response, Instant now);

    /**
     * Classifies a failure thrown by a call: an {@link HttpFailure} anywhere in the cause chain is
     * classified as its response; timeouts and connection errors are TRANSIENT; anything else is
     * TRANSIENT with its class name as reason (never its message if it could hold a secret).
     */
    Outcome classify(Throwable failure, Instant now);

    /**
     * For a provider that takes a request's whole reservation from its token limits when the
     * request arrives — the prompt plus the request's completion limit — and keeps it whatever the
     * answer then uses (Cerebras): the completion it assumes when the request sets no limit
     * (16,384). Empty for a provider that counts what the answer used. The engine reserves the same
     * way and, for such a provider, keeps charging the reservation after the answer (the larger of
     * it and the reported usage), so a window never shows room the provider does not have.
     */
    default OptionalLong reservedCompletion() { return OptionalLong.empty(); }

    /**
     * True for a provider whose token limits count the request's input only (Gemini: its TPM and
     * TPD quotas are {@code generate_content_…_input_token_count}); the answer's and hidden thinking
     * tokens then cost no room. The engine reserves the prompt estimate for such a provider and
     * charges the reported prompt tokens at settlement; the usage records keep every count.
     */
    default boolean tokenLimitsCountInputOnly() { return false; }

    /**
     * False for a provider whose token limits leave out the prompt tokens it served from its prompt
     * cache (Groq: "cached tokens do not count toward limits"); the engine then charges the reported
     * usage less {@link io.keycycle.core.Usage#cachedTokens()}.
     */
    default boolean cachedTokensCountTowardLimits() { return true; }
}
