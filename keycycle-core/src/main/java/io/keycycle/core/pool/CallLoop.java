package io.keycycle.core.pool;

import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.RateLimitException;

import java.time.Duration;

/** The blocking retry loop: acquire (waiting if allowed), call, then let {@link CallAttempts} decide. */
final class CallLoop<T> {
    private final KeyPool pool;
    private final CallOptions options;
    private final KeyCall<T> fn;

    CallLoop(KeyPool pool, CallOptions options, KeyCall<T> fn) {
        this.pool = pool;
        this.options = options;
        this.fn = fn;
    }

    T run() {
        CallAttempts attempts = new CallAttempts(pool, options);
        while (true) {
            long now = pool.time().now();
            RateLimitException late = attempts.expired(now);
            if (late != null) throw late;
            Lease lease;
            try {
                Duration wait = options.waitForKey() ? Duration.ofMillis(attempts.deadline() - now) : Duration.ZERO;
                lease = pool.acquire(attempts.acquireOptions(wait, now));
            } catch (NoAvailableKeyException e) {
                throw attempts.noKey(e);
            }
            T result = null;
            Outcome outcome;
            Throwable cause = null;
            try {
                result = fn.call(lease.key());
                outcome = attempts.classify(result);
            } catch (InterruptedException e) {
                lease.abandon("interrupted during the call");
                Thread.currentThread().interrupt();
                throw new KeycycleException("interrupted during a call to " + pool.provider() + "/" + options.model(), e);
            } catch (Exception e) {
                java.util.concurrent.CancellationException cancelled = CallAttempts.cancellation(e);
                if (cancelled != null) {
                    // as in the non-blocking loop: it may have reached the provider, so it stays counted, and is not re-sent
                    lease.abandon("cancelled by the caller");
                    throw cancelled;
                }
                cause = e;
                outcome = attempts.classifyFailure(e);
            } catch (Error e) {
                lease.abandon("the call failed with " + e.getClass().getSimpleName());
                throw e;
            }
            if (attempts.settle(lease, result, cause, outcome) == CallAttempts.Next.RETURN) return result;
        }
    }
}
