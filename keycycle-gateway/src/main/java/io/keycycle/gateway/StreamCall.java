package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.Served;
import io.keycycle.core.ApiKey;
import io.keycycle.core.config.ModelRef;
import io.keycycle.store.WriteAheadRounds;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One streaming chat request, served on the event loop like a plain one: {@link Keycycle#callAsync}
 * rotates and falls back (before the first event only), each attempt is a {@link StreamAttempt}
 * over {@link Upstream}, and its events go to the client through the {@link StreamRelay} as they
 * arrive. No thread waits on the provider.
 *
 * <p>A client that hangs up cancels the attempt in flight: the upstream request is reset and the
 * lease abandoned (the provider has the request and counts it), or released if nothing had been
 * sent yet.
 */
final class StreamCall {

    private final Keycycle keycycle;
    private final Upstream upstream;
    private final Failures failures;
    private final GatewayMetrics metrics;
    private final Context context;
    private final HttpServerResponse response;
    private final String target;
    private final List<ModelRef> candidates;
    private final long estimate;
    private final StreamRelay relay;
    private volatile StreamAttempt current;
    /** The pool's call, cancelled when the client hangs up while no attempt is in flight (waiting for a key). */
    private volatile CompletableFuture<?> call;
    private int attempts;
    /**
     * The request for the attempts, null once the stream has begun: no attempt follows the first
     * event, and the JSON tree would otherwise be held (and copied by every young collection) for
     * the stream's whole life.
     */
    private volatile UpstreamBody bytes;

    StreamCall(Keycycle keycycle, Upstream upstream, Failures failures, GatewayMetrics metrics, Context context,
               HttpServerResponse response, ObjectNode body, String target, List<ModelRef> candidates, long estimate) {
        this.keycycle = keycycle;
        this.upstream = upstream;
        this.failures = failures;
        this.metrics = metrics;
        this.context = context;
        this.response = response;
        this.bytes = new UpstreamBody(body, null);
        this.target = target;
        this.candidates = candidates;
        this.estimate = estimate;
        this.relay = new StreamRelay(response);
        relay.onStart(() -> bytes = null);
        body.put("stream", true);
        // the gateway asks for usage whatever the client said; the usage-only chunk goes to a client that asked
        relay.usageChunks(body.path("stream_options").path("include_usage").asBoolean(false));
        ObjectNode options = body.get("stream_options") instanceof ObjectNode o ? o : body.putObject("stream_options");
        options.put("include_usage", true);
    }

    void start(CallSpec spec) {
        response.closeHandler(v -> clientGone());
        CompletableFuture<Served<StreamAnswer>> c = keycycle.callAsync(target, spec.withEstimatedTokens(estimate), this::attempt);
        call = c;
        if (relay.isGone()) c.cancel(false);
        c.whenComplete((served, failure) -> onContext(() -> WriteAheadRounds.afterLines(() -> finish(served, failure))));
    }

    private CompletionStage<StreamAnswer> attempt(ModelRef candidate, ApiKey key) {
        UpstreamBody request = bytes;
        // gone, or (never expected) asked for another attempt after the stream began: nothing is sent
        if (relay.isGone() || request == null) return CompletableFuture.completedFuture(StreamAnswer.cancelled(null, false));
        Buffer b = request.forModel(candidate.model());
        StreamAttempt a = new StreamAttempt(candidate.provider(), relay);
        current = a;
        String fingerprint = key.fingerprint();
        String secret = key.secret();
        onContext(() -> {
            if (relay.isGone()) {
                a.cancel();
                return;
            }
            relay.attempt(new ServedBy(candidate.provider(), candidate.model(), fingerprint, ++attempts,
                    Math.max(0, candidates.indexOf(candidate))));
            upstream.stream(context, candidate.provider(), secret, b, a);
        });
        return a.result;
    }

    private void clientGone() {
        if (response.ended()) return;
        relay.clientGone();
        StreamAttempt a = current;
        if (a != null && !a.result.isDone()) {
            a.cancel();
            return;
        }
        // no attempt in flight: the call waits for a key (or is between two attempts). Cancelled, it
        // ends now and is never admitted later; an attempt that starts anyway sends nothing
        CompletableFuture<?> c = call;
        if (c != null) c.cancel(false);
    }

    private void finish(Served<StreamAnswer> served, Throwable failure) {
        if (relay.isGone()) return;
        if (failure != null) {
            Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            relay.fail(failures.map(t, target, estimate));
            return;
        }
        StreamAnswer r = served.value();
        if (r.busy()) {
            metrics.overloaded("upstream-connections");
            relay.fail(ApiError.overloaded("upstream connections for streams"));
            return;
        }
        if (r.cancelled()) return;
        relay.complete(ServedBy.of(served), r.wholeBody());
    }

    private void onContext(Runnable r) {
        if (Vertx.currentContext() == context) r.run();
        else context.runOnContext(v -> r.run());
    }
}
