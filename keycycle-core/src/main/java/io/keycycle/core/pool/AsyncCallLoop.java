package io.keycycle.core.pool;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.RateLimitException;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The non-blocking retry loop: fail-fast admission, the caller's stage, then {@link CallAttempts}
 * decides exactly as for {@link CallLoop}. Each attempt starts on the thread that finished the
 * previous one; a wait for a key is a task on the pool's {@link ClockTimer}, never a parked thread.
 *
 * <p>With a state store whose operations wait for the network ({@link PoolStateStore#blockingExecutor()}
 * not null: Redis), the pool's steps — admission, and the settlement of a failure (holds, flags,
 * the next attempt) — run on that executor instead, so that the caller's thread (an event loop,
 * the timer) never waits for a round trip; the caller's stage is then started on the executor's
 * thread, and the returned future completes there. A success is settled on the thread that
 * completed the stage: a settlement, and what a success changes, never wait for the network.
 */
final class AsyncCallLoop<T> {

    /** How soon to look again when the pool refused although a key is free (blocking waiters are first in line). */
    static final long REQUEUE_MILLIS = 10;

    private final KeyPool pool;
    private final CallOptions options;
    private final AsyncKeyCall<T> fn;
    private final CallAttempts attempts;
    private final CompletableFuture<T> promise = new CompletableFuture<>();
    /** Where the pool's steps run (null: on the thread at hand). */
    private final java.util.concurrent.Executor steps;
    private volatile CompletableFuture<T> inFlight;

    AsyncCallLoop(KeyPool pool, CallOptions options, AsyncKeyCall<T> fn) {
        this.pool = pool;
        this.options = options;
        this.fn = fn;
        this.attempts = new CallAttempts(pool, options);
        this.steps = pool.blockingExecutor();
    }

    CompletableFuture<T> start() {
        promise.whenComplete((v, e) -> {
            CompletableFuture<T> f = inFlight;
            if (promise.isCancelled() && f != null) f.cancel(true);
        });
        step(this::attempt);
        return promise;
    }

    /** Runs a pool step here, or on the store's executor when the store waits for the network. */
    private void step(Runnable r) {
        if (steps == null) {
            r.run();
            return;
        }
        try {
            steps.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the store was closed: there is nobody left to admit or settle with
            promise.completeExceptionally(new IllegalStateException("the pool's state store is closed", e));
        }
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
            lease = pool.acquire(attempts.acquireOptions(Duration.ZERO, now));
        } catch (NoAvailableKeyException e) {
            if (!(options.waitForKey() && waitFor(e, now))) promise.completeExceptionally(attempts.noKey(e));
            return;
        } catch (RuntimeException e) {
            promise.completeExceptionally(e);
            return;
        }
        if (promise.isDone()) {
            // cancelled while this attempt was admitted (a client that hung up as its wait ended): nothing was sent
            lease.release();
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
        // a pool closed meanwhile (its facade closed) ends the wait at once instead of retrying on it later
        return pool.schedule(due, () -> step(this::attempt),
                () -> promise.completeExceptionally(new IllegalStateException("the pool of " + pool.provider() + " was closed while the call waited for a key")));
    }

    private void settle(Lease lease, T result, Throwable failure) {
        if (promise.isDone() || CallAttempts.cancellation(failure) != null) {
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
        InterruptedException interrupted = CallAttempts.interruption(failure);
        if (interrupted != null) {
            // as in the blocking loop: it may have reached the provider, so it stays counted, and the call ends
            lease.abandon("interrupted during the call");
            promise.completeExceptionally(new io.keycycle.core.KeycycleException(
                    "interrupted during a call to " + pool.provider() + "/" + options.model(), interrupted));
            return;
        }
        Outcome outcome;
        try {
            outcome = failure == null ? attempts.classify(result) : attempts.classifyFailure(failure);
        } catch (RuntimeException e) {
            failure = e;
            outcome = attempts.classifyFailure(e);
        }
        // a success only settles (which never waits, see PoolStateStore); anything else may change
        // holds and flags, look for another key and try again: a pool step
        if (steps == null || outcome.isSuccess()) {
            conclude(lease, result, failure, outcome);
        } else {
            Throwable f = failure;
            Outcome o = outcome;
            step(() -> conclude(lease, result, f, o));
        }
    }

    private void conclude(Lease lease, T result, Throwable failure, Outcome outcome) {
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
