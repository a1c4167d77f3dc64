package io.keycycle.langchain4j;

import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;

import java.util.Objects;

/**
 * LangChain4j models of one {@link Keycycle}: {@code chatModel(tier)}, {@code chatModel(provider)},
 * {@code chatModel(provider, model)}, and their streaming twins, with default call settings; or a
 * builder for the rest.
 *
 * <pre>{@code
 * KeycycleChatModels models = KeycycleChatModels.of(Keycycle.fromEnv());
 * ChatModel fast  = models.chatModel("fast");                          // a tier from keycycle.yaml
 * ChatModel groq  = models.chatModel("groq", "openai/gpt-oss-20b");     // provider and model
 * StreamingChatModel live = models.streamingChatModel("strong");
 * ChatModel patient = models.builder("strong").waitForKey(true).timeout(Duration.ofSeconds(30)).build();
 * }</pre>
 *
 * Each model built here keeps its own delegate cache; build one per target and reuse it.
 */
public final class KeycycleChatModels {

    private final Keycycle keycycle;

    private KeycycleChatModels(Keycycle keycycle) {
        this.keycycle = keycycle;
    }

    public static KeycycleChatModels of(Keycycle keycycle) {
        return new KeycycleChatModels(Objects.requireNonNull(keycycle, "keycycle"));
    }

    /** A model of a tier, a provider (its default model) or {@code provider/model}. */
    public RotatingChatModel chatModel(String target) {
        return builder(target).build();
    }

    /** A model of {@code provider}'s {@code model}. */
    public RotatingChatModel chatModel(String provider, String model) {
        return chatModel(ref(provider, model));
    }

    public RotatingStreamingChatModel streamingChatModel(String target) {
        return streamingBuilder(target).build();
    }

    public RotatingStreamingChatModel streamingChatModel(String provider, String model) {
        return streamingChatModel(ref(provider, model));
    }

    /** A builder with this engine and target set, for the call options. */
    public RotatingChatModel.Builder builder(String target) {
        return RotatingChatModel.builder().keycycle(keycycle).target(target);
    }

    public RotatingStreamingChatModel.Builder streamingBuilder(String target) {
        return RotatingStreamingChatModel.builder().keycycle(keycycle).target(target);
    }

    private static String ref(String provider, String model) {
        if (provider == null || provider.isBlank()) throw new ConfigurationException("provider must not be blank");
        if (model == null || model.isBlank()) throw new ConfigurationException("model must not be blank for provider " + provider);
        return provider.trim() + "/" + model.trim();
    }
}
