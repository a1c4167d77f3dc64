package io.keycycle.spring;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import org.springframework.ai.openai.OpenAiChatOptions;

import java.time.Duration;
import java.util.Objects;

/**
 * Rotating Spring AI models of one {@link Keycycle}, sharing one HTTP client per provider. The
 * starter registers one as a bean; the tiers of {@code keycycle.tiers.*} are also beans already.
 *
 * <pre>{@code
 * @Bean ChatModel groq(KeycycleChatModels models) { return models.chatModel("groq", "openai/gpt-oss-120b"); }
 * @Bean ChatModel patient(KeycycleChatModels models) {
 *     return models.builder("strong").waitForKey(true).timeout(Duration.ofSeconds(30)).build();
 * }
 * }</pre>
 */
public final class KeycycleChatModels implements AutoCloseable {

    private final Keycycle keycycle;
    private final ProviderClients clients;
    private final CallSpec defaults;

    KeycycleChatModels(Keycycle keycycle, ProviderClients clients, CallSpec defaults) {
        this.keycycle = Objects.requireNonNull(keycycle, "keycycle");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.defaults = Objects.requireNonNull(defaults, "defaults");
    }

    /** A model of a tier, a provider (its default model), {@code provider/model} or a bare model, with the {@code keycycle.calls.*} settings. */
    public RotatingChatModel chatModel(String target) {
        return builder(target).build();
    }

    /** A model of {@code provider}'s {@code model}. */
    public RotatingChatModel chatModel(String provider, String model) {
        if (provider == null || provider.isBlank()) throw new ConfigurationException("provider must not be blank");
        if (model == null || model.isBlank()) throw new ConfigurationException("model must not be blank for provider " + provider);
        return chatModel(provider.trim() + "/" + model.trim());
    }

    /** A builder starting from the {@code keycycle.calls.*} settings. */
    public Builder builder(String target) {
        if (target == null || target.isBlank()) throw new ConfigurationException("target must name a tier, provider/model or provider");
        return new Builder(target.trim(), defaults);
    }

    /** The engine the models call through. */
    public Keycycle keycycle() {
        return keycycle;
    }

    @Override
    public void close() {
        clients.close();
    }

    /** Options of one rotating model; every setter validates at once. */
    public final class Builder {
        private final String target;
        private CallSpec spec;
        private OpenAiChatOptions options;

        private Builder(String target, CallSpec spec) {
            this.target = target;
            this.spec = spec;
        }

        /** Completion tokens reserved when a prompt sets no max tokens. */
        public Builder estimatedTokens(long tokens) { spec = spec.withEstimatedTokens(tokens); return this; }

        /** Wait up to the timeout for a key instead of falling over at once. */
        public Builder waitForKey(boolean wait) { spec = spec.withWait(wait); return this; }

        /** Deadline of a whole call, waits, rotations and fallbacks included. */
        public Builder timeout(Duration timeout) { spec = spec.withTimeout(timeout); return this; }

        /** Rotations after the first attempt, per candidate. */
        public Builder maxRetries(int retries) { spec = spec.withMaxRetries(retries); return this; }

        /** Only this key (1-based index or fingerprint): no rotation, no fallback. */
        public Builder pinnedKey(String keyId) { spec = spec.withPinnedKey(keyId); return this; }

        /** Keep one conversation on one key while it has room. */
        public Builder sessionId(String id) { spec = spec.withSession(id); return this; }

        /** A tier to try after every candidate of the target failed. */
        public Builder escalateTo(String tier) { spec = spec.withEscalation(tier); return this; }

        /** Default options (temperature, max tokens, …) ChatClient starts from; the model is the target's. */
        public Builder defaultOptions(OpenAiChatOptions o) { this.options = Objects.requireNonNull(o, "options"); return this; }

        /** @throws ConfigurationException unknown target or escalation tier */
        public RotatingChatModel build() {
            return new RotatingChatModel(keycycle, target, spec, clients, options);
        }
    }
}
