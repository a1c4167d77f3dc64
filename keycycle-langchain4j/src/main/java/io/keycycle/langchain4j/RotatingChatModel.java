package io.keycycle.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.Served;

import java.util.List;

/**
 * A LangChain4j {@link ChatModel} over a Keycycle target. Every call is one
 * {@link Keycycle#call(String, CallSpec, io.keycycle.TargetCall)}: a key is admitted against every
 * limit with the request's estimated tokens reserved, the call is made by a cached
 * {@code OpenAiChatModel} for that provider, model and key ({@code maxRetries(0)}), and the
 * reservation is settled with the provider's reported usage. A 429 or a dead key rotates to
 * another key; an exhausted candidate of a tier hands over to the next.
 *
 * <pre>{@code
 * ChatModel model = RotatingChatModel.builder()
 *         .keycycle(keycycle)
 *         .target("fast")              // or "groq", or "groq/openai/gpt-oss-120b"
 *         .estimatedTokens(1000)       // get_model(estimated_tokens=1000, …)
 *         .waitForKey(true)            //          wait=True
 *         .timeout(Duration.ofSeconds(10))   //    timeout=10
 *         .maxRetries(5)               //          max_retries=5
 *         .build();
 * }</pre>
 *
 * <p>Caveats: failures reach the caller as Keycycle's exceptions —
 * {@link io.keycycle.core.NoAvailableKeyException} when nothing could even be tried (it carries the
 * earliest retry instant) and {@link io.keycycle.core.RateLimitException} when attempts were made
 * and all failed (the last provider failure is its cause) — not as LangChain4j's. The request's
 * {@code modelName} is replaced by each candidate's model. Listeners see one request and one
 * response per call, however many keys were tried. Thread-safe.
 */
public final class RotatingChatModel implements ChatModel {

    private final Settings settings;
    private final Delegates delegates;

    private RotatingChatModel(Settings settings) {
        this.settings = settings;
        this.delegates = new Delegates(settings.keycycle(), settings.requestTimeout());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The target this model calls (a tier, provider/model or provider). */
    public String target() {
        return settings.target();
    }

    /** How each call behaves; the reservation is recomputed per request. */
    public CallSpec callSpec() {
        return settings.spec();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        CallSpec spec = RequestEstimate.spec(settings.spec(), request);
        long deadline = System.nanoTime() + spec.timeout().toNanos();
        Served<ChatAnswer> served = settings.keycycle().call(settings.target(), spec,
                (candidate, key) -> ChatAnswer.of(StatusKeepingHttpClient.withinDeadline(deadline,
                        () -> delegates.chat(candidate, key).chat(Answers.forModel(request, candidate.model())))));
        return served.value().chat();
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return settings.defaultParameters() != null ? settings.defaultParameters() : ChatModel.super.defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return settings.listeners();
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    int delegateCount() {
        return delegates.size();
    }

    @Override
    public String toString() {
        return "RotatingChatModel[" + settings.target() + "]";
    }

    /** Builds a {@link RotatingChatModel}; see {@link RotatingModelBuilder} for the options. */
    public static final class Builder extends RotatingModelBuilder<Builder> {
        Builder() {
        }

        /** @throws io.keycycle.core.ConfigurationException keycycle or target missing, unknown target or tier */
        public RotatingChatModel build() {
            return new RotatingChatModel(settings());
        }
    }
}
