package io.keycycle.spring;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.Served;
import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.ModelRef;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Spring AI {@link ChatModel} (blocking and streaming) over a Keycycle target: a tier, a
 * {@code provider/model}, a provider (its default model) or a bare model. Every call is one
 * {@link Keycycle#call(String, CallSpec, io.keycycle.TargetCall)}: a key is admitted against every
 * limit with the prompt's estimated tokens reserved, the request is sent by the provider's Spring AI
 * {@code OpenAiChatModel} with that key (see {@link KeyRoutes}), and the reservation is settled with
 * the usage Spring AI reports. A 429 or a dead key rotates to another key; an exhausted candidate of
 * a tier hands over to the next. Streams rotate and fall back only before their first chunk.
 *
 * <p>Use it with {@code ChatClient} like any model: tools (Spring AI 2's {@code ToolCallingAdvisor}
 * runs the tool loop, so every round trip is its own admitted call) and advisors work unchanged.
 * The target decides the model: a model set in the prompt's options is replaced by each
 * candidate's. Each response's metadata names who served it: {@code keycycle.provider},
 * {@code keycycle.model}, {@code keycycle.key} (the fingerprint, never the secret).
 *
 * <p>Failures reach the caller as Keycycle's exceptions: {@link io.keycycle.core.NoAvailableKeyException}
 * when nothing could even be tried (it carries the earliest retry instant) and
 * {@link io.keycycle.core.RateLimitException} when attempts were made and all failed (the provider's
 * last answer is its cause). Thread-safe.
 */
public final class RotatingChatModel implements ChatModel {

    /** Metadata keys added to every response. */
    public static final String PROVIDER = "keycycle.provider";
    public static final String MODEL = "keycycle.model";
    public static final String KEY = "keycycle.key";

    private final Keycycle keycycle;
    private final String target;
    private final CallSpec spec;
    private final ProviderClients clients;
    private final OpenAiChatOptions defaults;

    RotatingChatModel(Keycycle keycycle, String target, CallSpec spec, ProviderClients clients, OpenAiChatOptions defaults) {
        this.keycycle = Objects.requireNonNull(keycycle, "keycycle");
        this.target = Objects.requireNonNull(target, "target");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.defaults = defaults != null ? defaults
                : OpenAiChatOptions.builder().maxRetries(0).build(); // the clients bound silences (request-timeout), see ProviderClients
        keycycle.route(target); // an unknown target fails here, naming what exists
        if (spec.escalateTo() != null && !keycycle.tiers().containsKey(spec.escalateTo())) {
            throw new ConfigurationException("escalateTo names unknown tier '" + spec.escalateTo() + "'; tiers: " + keycycle.tiers().keySet());
        }
    }

    /** The target this model calls. */
    public String target() {
        return target;
    }

    /** How each call behaves; the reservation is recomputed per prompt. */
    public CallSpec callSpec() {
        return spec;
    }

    /** Options ChatClient starts from (a {@code ToolCallingChatOptions}, so tools can be added). */
    @Override
    public OpenAiChatOptions getOptions() {
        return defaults;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        CallSpec s = PromptEstimate.spec(spec, prompt.mutate().chatOptions(options(prompt)).build());
        long deadline = deadline(s);
        Served<Answers.Call> served = keycycle.call(target, s, (candidate, key) -> attempt(prompt, candidate, key, deadline));
        return servedBy(served.value().chat(), served.provider(), served.model(), served.fingerprint());
    }

    /** {@link System#nanoTime()} when a call of {@code spec} that starts now must end (each attempt gets what is left). */
    static long deadline(CallSpec spec) {
        Duration t = spec.timeout();
        return t.compareTo(MAX_DEADLINE) > 0 ? Long.MAX_VALUE : System.nanoTime() + t.toNanos();
    }

    private static final Duration MAX_DEADLINE = Duration.ofDays(365);

    private Answers.Call attempt(Prompt prompt, ModelRef candidate, ApiKey key, long deadline) {
        KeyRoutes.Route route = clients.routes().open(key, deadline);
        try {
            ChatResponse r = clients.model(candidate.provider()).call(forCandidate(prompt, candidate.model(), route.token()));
            return Answers.Call.of(r, route.headers());
        } catch (RuntimeException e) {
            throw route.failure(candidate.provider(), e);
        } finally {
            clients.routes().close(route);
        }
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        CallSpec s = PromptEstimate.spec(spec, prompt.mutate().chatOptions(options(prompt)).build());
        return Flux.create(sink -> new StreamRun(keycycle, target, s, clients, sink,
                (candidate, token) -> forCandidate(prompt, candidate.model(), token)).start());
    }

    /**
     * The prompt as the provider's model receives it: OpenAI options (the model's defaults merged
     * with the prompt's), the candidate's model, and the route token as a request header.
     */
    Prompt forCandidate(Prompt prompt, String model, String routeToken) {
        OpenAiChatOptions base = options(prompt);
        Map<String, String> headers = new LinkedHashMap<>();
        if (base.getCustomHeaders() != null) headers.putAll(base.getCustomHeaders());
        headers.put(KeyRoutes.HEADER, routeToken);
        OpenAiChatOptions options = base.mutate().model(model).customHeaders(headers).build();
        return prompt.mutate().chatOptions(options).build();
    }

    /**
     * The options the provider's model receives: the prompt's OpenAI options as they are, else the
     * model's defaults merged with the prompt's (so the reservation reads the max tokens that is sent).
     */
    private OpenAiChatOptions options(Prompt prompt) {
        ChatOptions given = prompt.getOptions();
        if (given instanceof OpenAiChatOptions o) return o;
        OpenAiChatOptions.Builder b = defaults.mutate();
        if (given != null) b.combineWith(given.mutate());
        return b.build();
    }

    static ChatResponse servedBy(ChatResponse r, String provider, String model, String fingerprint) {
        return ChatResponse.builder().from(r)
                .metadata(PROVIDER, provider)
                .metadata(MODEL, model)
                .metadata(KEY, fingerprint)
                .build();
    }

    @Override
    public String toString() {
        return "RotatingChatModel[" + target + "]";
    }
}
