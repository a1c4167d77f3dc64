package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.client.TokenEstimator;
import io.keycycle.core.config.ModelRef;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.WriteAheadRounds;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /v1/chat/completions}: validates the request and answers with the provider's body
 * (plain, {@link PlainCall}) or its events (stream, {@link StreamCall}). Both stay on the event
 * loop end to end: {@link Keycycle#callAsync} rotates and falls back, {@link Upstream} talks to the
 * provider. A client that disconnects first resets the upstream request; the engine keeps the
 * request counted (the provider has it) and releases only an attempt that sent nothing.
 *
 * <p>No queue grows without bound: plain requests and streams in flight are counted, and one over
 * its limit ({@link UpstreamLimits}) is answered 503 with {@code Retry-After} at once. So is every
 * new request while the store is {@linkplain KeycycleStore#full() full} (neither the disk nor the
 * database takes events): the requests already under way still have their events kept.
 */
final class ChatEndpoint implements Handler<RoutingContext> {

    /**
     * The request header that keeps a conversation on one key while that key has room (the engine's
     * session affinity): a provider's prompt cache is per key, so the next turn of a conversation
     * is cheaper and faster on the key that served the last. Not sent upstream.
     */
    static final String SESSION_HEADER = "x-keycycle-session";
    /** The longest session id taken; the engine remembers the last 10,000 per pool. */
    static final int MAX_SESSION_CHARS = 256;
    /**
     * The request header with which a client sets how long its request may wait for a key, in
     * seconds (a non-negative number, e.g. {@code 0}, {@code 5} or {@code 2.5}): up to the gateway's
     * {@code wait-for-key} and never more (a larger value is capped at it), {@code 0} to fail fast
     * whatever the gateway's setting. Not sent upstream.
     */
    static final String WAIT_HEADER = "x-keycycle-wait";
    /** Seconds as the wait header takes them: digits, with up to three decimals (milliseconds). */
    private static final java.util.regex.Pattern SECONDS = java.util.regex.Pattern.compile("\\d{1,40}(\\.\\d{1,3})?");
    /** More seconds than any wait (about 31 years): a larger value is read as this, then capped like any other. */
    private static final java.math.BigDecimal LONGEST = java.math.BigDecimal.valueOf(1_000_000_000L);

    private final Keycycle keycycle;
    /** Targets already validated (the configuration does not change while serving); bounded. */
    private final java.util.concurrent.ConcurrentHashMap<String, List<ModelRef>> routes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Upstream upstream;
    private final CallSpec spec;
    private final java.time.Duration maxWait;
    private final Failures failures;
    private final GatewayMetrics metrics;
    private final KeycycleStore store;
    private final AtomicInteger plainInFlight = new AtomicInteger();
    private final AtomicInteger streamsInFlight = new AtomicInteger();

    /**
     * @param spec    how each request calls the pool; it fails fast
     * @param maxWait the longest a request may wait for a key (zero: fail fast)
     */
    ChatEndpoint(Keycycle keycycle, Upstream upstream, CallSpec spec, java.time.Duration maxWait, GatewayMetrics metrics,
                 KeycycleStore store) {
        this.store = store;
        this.keycycle = keycycle;
        this.upstream = upstream;
        this.spec = spec;
        this.maxWait = maxWait;
        this.failures = new Failures(keycycle);
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        JsonNode body;
        String target;
        byte[] raw = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        try {
            body = Jsons.parse(raw);
            target = validate(body);
        } catch (Jsons.BadJson e) {
            ApiError.invalidRequest(e.getMessage()).send(response);
            return;
        }
        ApiError badField = RequestGuard.checkChat(body);
        if (badField != null) {
            badField.send(response);
            return;
        }
        List<ModelRef> candidates;
        try {
            candidates = resolve(target);
        } catch (ConfigurationException e) {
            ObjectNode x = Jsons.object();
            x.put("model", target);
            x.set("available", Jsons.MAPPER.valueToTree(ModelsEndpoint.ids(keycycle)));
            new ApiError(404, ApiError.INVALID_REQUEST, "model_not_found", e.getMessage(), x, 0).send(response);
            return;
        }
        // The request's shape goes to the engine too: each candidate then reserves what its provider
        // counts (Cerebras takes prompt + max_completion_tokens, 16,384 when unset, when the request
        // arrives) and one that could never admit it is skipped unsent, as for Keycycle.chat.
        CallSpec callSpec = spec.withRequest(TokenEstimator.estimatePromptTokens(body), TokenEstimator.maxTokens(body));
        String session = ctx.request().getHeader(SESSION_HEADER);
        if (session != null) {
            if (session.isBlank() || session.length() > MAX_SESSION_CHARS) {
                ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_session", "the " + SESSION_HEADER + " header must be 1 to "
                        + MAX_SESSION_CHARS + " characters, was " + (session.isBlank() ? "blank" : session.length() + " characters")).send(response);
                return;
            }
            callSpec = callSpec.withSession(session);
        }
        java.time.Duration wait = maxWait;
        String askedWait = ctx.request().getHeader(WAIT_HEADER);
        if (askedWait != null) {
            java.time.Duration asked = seconds(askedWait);
            if (asked == null) {
                // the value is not echoed: whatever a client put there stays out of answers and logs
                ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_wait", "the " + WAIT_HEADER + " header must be a number of "
                        + "seconds >= 0 (e.g. 0, 5 or 2.5, at most 3 decimals); it was not").send(response);
                return;
            }
            if (asked.compareTo(wait) < 0) wait = asked;
        }
        // the engine waits: a retry at the instant a key frees up, on the pool's timer, no thread held
        if (!wait.isZero()) callSpec = callSpec.withWait(true).withTimeout(wait);
        long estimate = callSpec.estimatedTokens();
        Context context = ctx.vertx().getOrCreateContext();
        // the usage lines of the calls this event loop settles in one turn go to its write-ahead file
        // in one write at the turn's end; each answer waits for it (PlainCall, StreamCall)
        if (!WriteAheadRounds.enabled()) WriteAheadRounds.enable(task -> context.runOnContext(v -> task.run()));
        boolean stream = body.path("stream").asBoolean(false);
        AtomicInteger inFlight = stream ? streamsInFlight : plainInFlight;
        int limit = stream ? upstream.limits().maxStreams() : upstream.limits().maxPlainInFlight();
        if (store != null && store.full()) {
            overloaded(response, "store", "events the store can hold while neither its disk nor its database takes any");
            return;
        }
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            overloaded(response, stream ? "streams" : "in-flight", stream ? limit + " streams at once" : limit + " requests in flight");
            return;
        }
        ctx.addEndHandler(v -> inFlight.decrementAndGet());
        try {
            if (stream) {
                new StreamCall(keycycle, upstream, failures, metrics, context, response, (ObjectNode) body, target, candidates, estimate)
                        .start(callSpec);
            } else {
                new PlainCall(keycycle, upstream, failures, metrics, context, response, (ObjectNode) body, ModelSplice.of(raw),
                        target, estimate).start(callSpec);
            }
        } catch (RejectedExecutionException e) {
            ApiError.of(503, "server_error", "gateway_closing", "the gateway is shutting down").send(response);
        }
    }

    /** 503 with {@code Retry-After}, counted in {@code keycycle_gateway_overloaded_total{limit}}. */
    private void overloaded(HttpServerResponse response, String limit, String what) {
        metrics.overloaded(limit);
        ApiError.overloaded(what).send(response);
    }

    /** The wait header's value as a duration, or null when it is not a number of seconds >= 0. */
    static java.time.Duration seconds(String value) {
        String v = value.trim();
        if (!SECONDS.matcher(v).matches()) return null;
        java.math.BigDecimal s = new java.math.BigDecimal(v).min(LONGEST);
        return java.time.Duration.ofMillis(s.movePointRight(3).longValueExact());
    }

    /** The target, after checking the fields the gateway itself needs. */
    private static String validate(JsonNode body) {
        if (!body.isObject()) throw new Jsons.BadJson("the request body must be a JSON object, was " + body.getNodeType().name().toLowerCase());
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) throw new Jsons.BadJson("'model' is required: provider/model, a model one provider serves, or a tier");
        if (!model.isTextual() || model.asText().isBlank()) throw new Jsons.BadJson("'model' must be a non-empty string, was " + model);
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) throw new Jsons.BadJson("'messages' is required: a non-empty array of {role, content}");
        if (!messages.isArray() || messages.isEmpty()) throw new Jsons.BadJson("'messages' must be a non-empty array, was " + messages.getNodeType().name().toLowerCase());
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) throw new Jsons.BadJson("'stream' must be true or false, was " + stream);
        return model.asText().trim();
    }

    /** The candidates of a target that have keys; a ConfigurationException (404) if none. */
    private List<ModelRef> resolve(String target) {
        List<ModelRef> known = routes.get(target);
        if (known != null) return known;
        List<ModelRef> all = keycycle.route(target);
        List<ModelRef> served = new ArrayList<>();
        for (ModelRef c : all) {
            if (!keycycle.providers().contains(c.provider())) continue;
            keycycle.catalog().describe(c.provider(), c.model()); // unknown model: ConfigurationException
            served.add(c);
        }
        if (served.isEmpty()) {
            throw new ConfigurationException("no keys for " + all + "; providers with keys: " + keycycle.providers());
        }
        if (routes.size() < 10_000) routes.put(target, List.copyOf(all));
        return all;
    }
}
