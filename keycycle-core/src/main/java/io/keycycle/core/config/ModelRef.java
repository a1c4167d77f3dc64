package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.util.Locale;
import java.util.Objects;

/**
 * A provider and one of its models, written {@code provider/model}. Only the first slash
 * separates them: {@code openrouter/meta-llama/llama-3.3-70b-instruct:free} is provider
 * {@code openrouter}, model {@code meta-llama/llama-3.3-70b-instruct:free}.
 */
public record ModelRef(String provider, String model) {

    public ModelRef {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        if (provider.isBlank() || model.isBlank()) {
            throw new ConfigurationException("model reference needs a provider and a model, was '" + provider + "/" + model + "'");
        }
    }

    /** Parses {@code provider/model}; the provider is lower-cased. */
    public static ModelRef parse(String ref) {
        String t = ref == null ? "" : ref.trim();
        int slash = t.indexOf('/');
        if (slash <= 0 || slash == t.length() - 1) {
            throw new ConfigurationException("'" + t + "' is not provider/model (e.g. groq/openai/gpt-oss-120b)");
        }
        return new ModelRef(t.substring(0, slash).toLowerCase(Locale.ROOT), t.substring(slash + 1));
    }

    @Override public String toString() { return provider + "/" + model; }
}
