package io.keycycle.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.Objects;

/**
 * The options shared by {@link RotatingChatModel.Builder} and {@link RotatingStreamingChatModel.Builder}.
 * Every setter validates at once; {@link #keycycle} and {@link #target} are required.
 *
 * <p>The Python library's {@code get_model(estimated_tokens, wait, timeout, max_retries, id)} maps
 * onto these options as follows:
 * <table>
 *   <caption>get_model → builder</caption>
 *   <tr><th>Python</th><th>here</th><th>default</th></tr>
 *   <tr><td>{@code estimated_tokens=1000}</td><td>{@link #estimatedTokens(long)} — the completion budget
 *       reserved when a request sets no {@code maxOutputTokens}; the prompt is estimated from the messages</td><td>1000</td></tr>
 *   <tr><td>{@code wait=True}</td><td>{@link #waitForKey(boolean)}</td><td>false (fail fast, fall back)</td></tr>
 *   <tr><td>{@code timeout=10}</td><td>{@link #timeout(Duration)} — the whole call, waits and rotations included</td><td>120 s</td></tr>
 *   <tr><td>{@code max_retries=5}</td><td>{@link #maxRetries(int)} — rotations after the first attempt, per candidate</td><td>5</td></tr>
 *   <tr><td>{@code id=model_id}</td><td>{@link #target(String)} — {@code provider/model}, a provider, a bare model or a tier</td><td>required</td></tr>
 *   <tr><td>{@code key_id=…, pin_key=True}</td><td>{@link #pinnedKey(String)}</td><td>none</td></tr>
 * </table>
 *
 * @param <B> the concrete builder
 */
public abstract sealed class RotatingModelBuilder<B extends RotatingModelBuilder<B>>
        permits RotatingChatModel.Builder, RotatingStreamingChatModel.Builder {

    /**
     * Timeout of one HTTP request to a provider when neither {@link #requestTimeout(Duration)} nor the
     * engine's {@code calls.request-timeout} says otherwise.
     */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private Keycycle keycycle;
    private String target;
    /** What the setters changed, laid over the engine's {@link Keycycle#callSpec()} (calls: of its file) when built. */
    private final List<UnaryOperator<CallSpec>> specChanges = new ArrayList<>();
    private Duration requestTimeout; // null: the engine's requestTimeout() (calls.request-timeout, else 120 s)
    private ChatRequestParameters defaultParameters;
    private List<ChatModelListener> listeners = List.of();

    RotatingModelBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The engine to call through (required). The models do not close it. */
    public B keycycle(Keycycle keycycle) {
        this.keycycle = Objects.requireNonNull(keycycle, "keycycle");
        return self();
    }

    /**
     * What to call (required): a tier ({@code "fast"}), {@code provider/model}
     * ({@code "groq/openai/gpt-oss-120b"}), a provider ({@code "groq"}, its default model) or a bare
     * model one provider serves. Checked against the engine's routes when the model is built. The
     * target decides the model: a {@code modelName} in a request's parameters is replaced.
     */
    public B target(String target) {
        if (target == null || target.isBlank()) throw new ConfigurationException("target must name a tier, provider/model or provider, was " + (target == null ? "null" : "blank"));
        this.target = target.trim();
        return self();
    }

    /**
     * Completion tokens reserved when a request sets no {@code maxOutputTokens} (the prompt is always
     * estimated from the messages: {@code ceil(chars/4) + 4} per message, tools included).
     */
    public B estimatedTokens(long tokens) {
        change(s -> s.withEstimatedTokens(tokens));
        return self();
    }

    /** Wait up to {@link #timeout} for a key when none is admissible, instead of failing over at once. */
    public B waitForKey(boolean wait) {
        change(s -> s.withWait(wait));
        return self();
    }

    /** Deadline of a whole call: waits, rotations and fallbacks included. */
    public B timeout(Duration timeout) {
        if (timeout == null) throw new ConfigurationException("timeout must be > 0, was null");
        change(s -> s.withTimeout(timeout));
        return self();
    }

    /** Rotations to another key after the first attempt, per candidate provider/model; 0 = one attempt. */
    public B maxRetries(int retries) {
        change(s -> s.withMaxRetries(retries));
        return self();
    }

    /** Use only this key (a 1-based index or a fingerprint); no rotation and no fallback. */
    public B pinnedKey(String keyId) {
        if (keyId == null || keyId.isBlank()) throw new ConfigurationException("pinnedKey must be a key index or fingerprint, was " + (keyId == null ? "null" : "blank"));
        String id = keyId.trim();
        change(s -> s.withPinnedKey(id));
        return self();
    }

    /** Keep the calls of one conversation on one key while it has room (provider prompt caches are per key). */
    public B sessionId(String sessionId) {
        if (sessionId == null || sessionId.isBlank()) throw new ConfigurationException("sessionId must not be " + (sessionId == null ? "null" : "blank"));
        change(s -> s.withSession(sessionId));
        return self();
    }

    /** A tier to try after every candidate of the target failed. */
    public B escalateTo(String tier) {
        if (tier == null || tier.isBlank()) throw new ConfigurationException("escalateTo must name a tier, was " + (tier == null ? "null" : "blank"));
        String t = tier.trim();
        change(s -> s.withEscalation(t));
        return self();
    }

    /**
     * Timeout of one HTTP request to a provider (the delegate's {@code timeout}); default: the
     * engine's {@link Keycycle#requestTimeout()} ({@code calls.request-timeout} of its file, else 120 s).
     */
    public B requestTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) throw new ConfigurationException("requestTimeout must be > 0, was " + timeout);
        this.requestTimeout = timeout;
        return self();
    }

    /** Parameters (temperature, max output tokens, …) merged under every request's own; the model name is ignored. */
    public B defaultRequestParameters(ChatRequestParameters parameters) {
        this.defaultParameters = Objects.requireNonNull(parameters, "defaultRequestParameters");
        return self();
    }

    /** LangChain4j listeners, called once per logical call (not per rotation attempt). */
    public B listeners(List<ChatModelListener> listeners) {
        Objects.requireNonNull(listeners, "listeners");
        listeners.forEach(l -> Objects.requireNonNull(l, "a listener is null"));
        this.listeners = List.copyOf(listeners);
        return self();
    }

    /** Applies {@code c} (checked at once, on the defaults) and keeps it for {@link #settings()}. */
    private void change(UnaryOperator<CallSpec> c) {
        c.apply(CallSpec.DEFAULT); // a value out of range fails here, naming the setting
        specChanges.add(c);
    }

    /** Validates the combination and freezes it. */
    Settings settings() {
        if (keycycle == null) throw new ConfigurationException("keycycle is required: RotatingChatModel.builder().keycycle(Keycycle.fromEnv())");
        if (target == null) throw new ConfigurationException("target is required: a tier, provider/model or provider");
        keycycle.route(target); // unknown target: ConfigurationException naming what exists
        CallSpec spec = keycycle.callSpec();
        for (UnaryOperator<CallSpec> c : specChanges) spec = c.apply(spec);
        if (spec.escalateTo() != null && !keycycle.tiers().containsKey(spec.escalateTo())) {
            throw new ConfigurationException("escalateTo names unknown tier '" + spec.escalateTo() + "'; tiers: " + keycycle.tiers().keySet());
        }
        return new Settings(keycycle, target, spec, requestTimeout != null ? requestTimeout : keycycle.requestTimeout(),
                defaultParameters, listeners);
    }
}
