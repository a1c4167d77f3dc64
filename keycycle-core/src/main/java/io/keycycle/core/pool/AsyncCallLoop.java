package io.keycycle.core.pool;

import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.RateLimitException;

import java.time.Duration;
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
 *
 * <p>A call that may wait for a key waits in the model's queue with the blocking callers, first
 * come first served ({@link Admission#acquireInTurn}): only the first in line tries, at the instant
 * the pool computes or when woken by capacity coming back; the others are woken when their turn
 * comes, or give up at their deadline. A caller that cancels leaves the queue at once.
 */
final class AsyncCallLoop<T> {

    /** How soon the first in line looks again when the pool refused although a key looked free (another call took it). */
    static final long REQUEUE_MILLIS = 10;

    private final KeyPool pool;
    private final CallOptions options;
    private final AsyncKeyCall<T> fn;
    private final CallAttempts attempts;
    private final CompletableFuture<T> promise = new CompletableFuture<>();
    /** Where the pool's steps run (null: on the thread at hand). */
    private final java.util.concurrent.Executor steps;
    private volatile CompletableFuture<T> inFlight;
    /** This call's place among the model's waiters, when it may wait. */
    private final Admission.Turn turn = new Admission.Turn() {
        @Override void wake(io.keycycle.core.EngineClock clock) {
            // on the timer, never on the waker's thread (a settlement, another call's event loop)
            at(pool.time().now(), () -> step(AsyncCallLoop.this::attempt));
        }
    };
    /** Numbers the scheduled tries at an instant: only the latest runs (a try at the deadline is replaced). */
    private final java.util.concurrent.atomic.AtomicLong tries = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Tries asked for and not yet run: tries never overlap (a wake-up may come from any thread while
     * one runs), and one asked for while another runs runs right after it, so no wake-up is lost.
     */
    private final java.util.concurrent.atomic.AtomicInteger tryRequests = new java.util.concurrent.atomic.AtomicInteger();
    /** True from an admitted attempt's start until its settlement decides what comes next: a try asked for meanwhile does nothing. */
    private volatile boolean calling;

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
            if (turn.isQueued()) pool.leaveQueue(options.model(), turn); // a caller that gave up frees its place at once
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

    /** Runs {@link #tryOnce()}, serialised: a try asked for while one runs runs after it, on the same thread. */
    private void attempt() {
        if (tryRequests.getAndIncrement() != 0) return;
        int asked = 1;
        do {
            if (!calling) tryOnce();
            asked = tryRequests.addAndGet(-asked);
        } while (asked != 0);
    }

    private void tryOnce() {
        if (promise.isDone()) return;
        long now = pool.time().now();
        RateLimitException late = attempts.expired(now);
        if (late != null && !turn.isQueued()) { // a waiter at its deadline leaves the queue with the pool's refusal, below
            promise.completeExceptionally(late);
            return;
        }
        Lease lease;
        try {
            if (options.waitForKey()) {
                lease = pool.acquireInTurn(attempts.acquireOptions(Duration.ZERO, now), turn, attempts.deadline());
                if (lease == null) {
                    tryAt(turn.retryAt); // queued: the first in line at the computed instant, the others at their deadline
                    return;
                }
                tries.incrementAndGet(); // a try still scheduled (the deadline's) is void
            } else {
                lease = pool.acquire(attempts.acquireOptions(Duration.ZERO, now));
            }
        } catch (NoAvailableKeyException e) {
            promise.completeExceptionally(attempts.noKey(e));
            return;
        } catch (RuntimeException e) {
            if (turn.isQueued()) pool.leaveQueue(options.model(), turn);
            promise.completeExceptionally(e);
            return;
        }
        if (promise.isDone()) {
            // cancelled while this attempt was admitted (a client that hung up as its wait ended): nothing was sent
            lease.release();
            return;
        }
        calling = true;
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

    /**
     * Schedules the next try at engine instant {@code due} on the pool's timer, voiding any try
     * scheduled before; a pool closed meanwhile (its facade closed) ends the wait at once.
     */
    private void tryAt(long due) {
        long n = tries.incrementAndGet();
        at(due, () -> {
            if (tries.get() == n) step(this::attempt);
        });
    }

    /** Runs {@code task} on the pool's timer at engine instant {@code due}; a closed pool ends the call. */
    private void at(long due, Runnable task) {
        if (!pool.schedule(due, task, this::poolClosed)) poolClosed();
    }

    private void poolClosed() {
        promise.completeExceptionally(new IllegalStateException("the pool of " + pool.provider() + " was closed while the call waited for a key"));
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
        if (next == CallAttempts.Next.RETURN) {
            promise.complete(result);
        } else {
            calling = false;
            attempt();
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }
}
