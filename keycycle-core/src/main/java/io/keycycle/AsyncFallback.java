package io.keycycle;

import io.keycycle.core.KeycycleException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The non-blocking loop over a {@link Fallback}: each candidate's step is a
 * {@link io.keycycle.core.pool.KeyPool#callAsync}, and the next step starts when the previous one
 * completed. Every decision (next candidate, hand-over, the final failure) is the
 * {@link Fallback}'s, as in the blocking loop. Cancelling the returned future cancels the call in
 * flight.
 */
final class AsyncFallback<T> {

    private final Fallback<T> run;
    private final AsyncTargetCall<T> fn;
    private final CompletableFuture<Served<T>> promise = new CompletableFuture<>();
    private volatile CompletableFuture<T> inFlight;

    AsyncFallback(Fallback<T> run, AsyncTargetCall<T> fn) {
        this.run = run;
        this.fn = fn;
    }

    CompletableFuture<Served<T>> start() {
        promise.whenComplete((v, e) -> {
            CompletableFuture<T> f = inFlight;
            if (promise.isCancelled() && f != null) f.cancel(true);
        });
        next();
        return promise;
    }

    private void next() {
        if (promise.isDone()) return;
        Fallback.Step step;
        try {
            step = run.next();
        } catch (KeycycleException stop) {
            promise.completeExceptionally(stop);
            return;
        }
        if (step == null) {
            promise.completeExceptionally(run.exhausted());
            return;
        }
        CompletableFuture<T> f = step.pool.callAsync(step.options, key -> fn.call(step.candidate, run.attempt(step, key)));
        inFlight = f;
        if (promise.isCancelled()) f.cancel(true);
        f.whenComplete((value, failure) -> done(step, value, failure));
    }

    private void done(Fallback.Step step, T value, Throwable failure) {
        if (failure == null) {
            promise.complete(run.served(step, value));
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (!Fallback.handsOver(cause)) {
            promise.completeExceptionally(cause);
            return;
        }
        try {
            run.failed(step, (KeycycleException) cause);
        } catch (KeycycleException stop) {
            promise.completeExceptionally(stop);
            return;
        }
        next();
    }
}
