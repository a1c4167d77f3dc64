package io.keycycle.core.pool;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.RateLimitException;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The non-blocking retry loop: fail-fast admission, the caller's stage, then {@link CallAttempts}
 * decides exactly as for {@link CallLoop}. Each attempt starts on the thread that finished the
 * previous one; a wait for a key is a task on the pool's {@link ClockTimer}, never a parked thread.
 */
final class AsyncCallLoop<T> {

    /** How soon to look again when the pool refused although a key is free (blocking waiters are first in line). */
    static final long REQUEUE_MILLIS = 10;

    private final KeyPool pool;
    private final CallOptions options;
    private final AsyncKeyCall<T> fn;
    private final CallAttempts attempts;
    private final CompletableFuture<T> promise = new CompletableFuture<>();
    private volatile CompletableFuture<T> inFlight;

    AsyncCallLoop(KeyPool pool, CallOptions options, AsyncKeyCall<T> fn) {
        this.pool = pool;
        this.options = options;
        this.fn = fn;
        this.attempts = new CallAttempts(pool, options);
    }

    CompletableFuture<T> start() {
        promise.whenComplete((v, e) -> {
            CompletableFuture<T> f = inFlight;
            if (promise.isCancelled() && f != null) f.cancel(true);
        });
        attempt();
        return promise;
    }

    private void attempt() {
        if (promise.isDone()) return;
        long now = pool.time().now();
        RateLimitException late = attempts.expired(now);
        if (late != null) {
            promise.completeExceptionally(late);
            return;
        }
        Lease lease;
        try {
            lease = pool.acquire(new AcquireOptions(options.model(), options.estimatedTokens(), Duration.ZERO,
                    options.sessionId(), options.pinnedKey()));
        } catch (NoAvailableKeyException e) {
            if (!(options.waitForKey() && waitFor(e, now))) promise.completeExceptionally(attempts.noKey(e));
            return;
        } catch (RuntimeException e) {
            promise.completeExceptionally(e);
            return;
        }
        CompletableFuture<T> call;
        try {
            CompletionStage<T> stage = fn.call(lease.key());
            call = stage == null ? CompletableFuture.failedFuture(new NullPointerException("the call returned no CompletionStage"))
                    : stage.toCompletableFuture();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        } catch (Error e) {
            lease.abandon("the call failed with " + e.getClass().getSimpleName());
            promise.completeExceptionally(e);
            return;
        }
        inFlight = call;
        if (promise.isCancelled()) call.cancel(true);
        call.whenComplete((result, failure) -> settle(lease, result, unwrap(failure)));
    }

    /** Schedules the next try at the instant the pool computed; false when that is never or past the deadline. */
    private boolean waitFor(NoAvailableKeyException e, long now) {
        Instant at = e.retryAt();
        if (at == null) return false;
        long due = Math.max(pool.time().at(at), now + REQUEUE_MILLIS);
        if (due >= attempts.deadline()) return false;
        pool.timer().schedule(due, this::attempt);
        return true;
    }

    private void settle(Lease lease, T result, Throwable failure) {
        if (promise.isDone() || failure instanceof CancellationException) {
            // the caller gave up (or the call was cancelled) after the attempt started: it may have
            // reached the provider, which counts it whatever the caller does
            lease.abandon("cancelled by the caller");
            if (failure != null) promise.completeExceptionally(failure);
            return;
        }
        if (failure instanceof Error e) {
            lease.abandon("the call failed with " + e.getClass().getSimpleName());
            promise.completeExceptionally(e);
            return;
        }
        Outcome outcome;
        try {
            outcome = failure == null ? attempts.classify(result) : attempts.classifyFailure(failure);
        } catch (RuntimeException e) {
            failure = e;
            outcome = attempts.classifyFailure(e);
        }
        CallAttempts.Next next;
        try {
            next = attempts.settle(lease, result, failure, outcome);
        } catch (RuntimeException e) {
            promise.completeExceptionally(e);
            return;
        }
        if (next == CallAttempts.Next.RETURN) promise.complete(result);
        else attempt();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }
}
