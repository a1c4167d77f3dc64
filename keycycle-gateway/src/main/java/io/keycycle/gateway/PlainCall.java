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

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One plain (non-streaming) chat request, served without blocking: {@link Keycycle#callAsync}
 * rotates and falls back, each attempt is an {@link Upstream} call on the request's event loop,
 * and the answer (or the mapped failure) is written on that loop. A client that hangs up resets the
 * upstream request and turns the attempt into {@link UpstreamAnswer#CANCELLED}: the request stays
 * counted (the provider saw it or may have), only an attempt that never sent anything
 * ({@link UpstreamAnswer#NOT_SENT}) gives its reservation back. An attempt that finds no free
 * upstream connection ({@link UpstreamAnswer#BUSY}) is answered 503 with {@code Retry-After}.
 */
final class PlainCall {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PlainCall.class);

    private final Keycycle keycycle;
    private final Upstream upstream;
    private final Failures failures;
    private final GatewayMetrics metrics;
    private final Context context;
    private final HttpServerResponse response;
    private final String target;
    private final long estimate;
    private volatile boolean gone;
    private volatile Upstream.Attempt current;
    /** The pool's call, cancelled when the client hangs up while no attempt is in flight (waiting for a key). */
    private volatile CompletableFuture<?> call;
    private final UpstreamBody bytes;

    PlainCall(Keycycle keycycle, Upstream upstream, Failures failures, GatewayMetrics metrics, Context context,
              HttpServerResponse response, ObjectNode body, ModelSplice splice, String target, long estimate) {
        this.keycycle = keycycle;
        this.upstream = upstream;
        this.failures = failures;
        this.metrics = metrics;
        this.context = context;
        this.response = response;
        this.bytes = new UpstreamBody(body, splice);
        this.target = target;
        this.estimate = estimate;
    }

    void start(CallSpec spec) {
        response.closeHandler(v -> clientGone());
        CompletableFuture<Served<PlainAnswer>> c = keycycle.callAsync(target, spec.withEstimatedTokens(estimate), this::attempt);
        call = c;
        if (gone) c.cancel(false);
        c.whenComplete((served, failure) -> onContext(() -> WriteAheadRounds.afterLines(() -> finish(served, failure))));
    }

    private CompletionStage<PlainAnswer> attempt(ModelRef candidate, ApiKey key) {
        if (gone) return CompletableFuture.completedFuture(UpstreamAnswer.NOT_SENT);
        Buffer b = bytes.forModel(candidate.model());
        Upstream.Attempt a = new Upstream.Attempt();
        current = a;
        if (gone) a.cancel();
        else upstream.chat(context, candidate.provider(), key.secret(), b, a);
        return a.result;
    }

    private void clientGone() {
        if (response.ended()) return;
        gone = true;
        Upstream.Attempt a = current;
        if (a != null && !a.result.isDone()) {
            a.cancel();
            return;
        }
        // no attempt in flight: the call waits for a key (or is between two attempts). Cancelled, it
        // ends now and is never admitted later; an attempt that starts anyway sends nothing (NOT_SENT)
        CompletableFuture<?> c = call;
        if (c != null) c.cancel(false);
    }

    private void finish(Served<PlainAnswer> served, Throwable failure) {
        try {
            answer(served, failure);
        } catch (RuntimeException e) {
            // never leave the client without an answer (it would wait for the idle timeout)
            log.error("cannot answer a chat request for {}", target, e);
            if (!response.headWritten()) ApiError.internal("internal gateway error; see the gateway log").send(response);
            else if (!response.ended()) response.reset();
        }
    }

    private void answer(Served<PlainAnswer> served, Throwable failure) {
        if (gone || response.closed() || response.ended()) return;
        if (failure != null) {
            Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            failures.map(t, target, estimate).send(response);
            return;
        }
        PlainAnswer r = served.value();
        if (r == UpstreamAnswer.BUSY) {
            metrics.overloaded("upstream-connections");
            ApiError.overloaded("upstream connections").send(response);
            return;
        }
        if (r.cancelled()) return;
        String type = r.contentType();
        response.setStatusCode(r.status()).putHeader("content-type", type == null ? "application/json" : type);
        ServedBy.of(served).putHeaders(response);
        response.end(r.body());
    }

    private void onContext(Runnable r) {
        if (Vertx.currentContext() == context) r.run();
        else context.runOnContext(v -> r.run());
    }
}
