package io.keycycle.core.pool;

import io.keycycle.core.HttpFailure;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.Usage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The one retry loop: acquire, call, classify, settle, rotate. */
final class CallLoop<T> {
    private final KeyPool pool;
    private final CallOptions options;
    private final KeyCall<T> fn;
    private final List<RateLimitException.Attempt> attempts = new ArrayList<>();

    CallLoop(KeyPool pool, CallOptions options, KeyCall<T> fn) {
        this.pool = pool;
        this.options = options;
        this.fn = fn;
    }

    T run() {
        String provider = pool.provider();
        String model = options.model();
        long deadline = KeyPool.saturatedAdd(pool.clock().millis(), KeyPool.saturatedMillis(options.timeout()));
        Throwable lastCause = null;
        while (true) {
            long now = pool.clock().millis();
            if (now >= deadline) {
                throw new RateLimitException(provider, model, attempts, "deadline of " + options.timeout() + " passed", lastCause);
            }
            Lease lease;
            try {
                Duration wait = options.waitForKey() ? Duration.ofMillis(deadline - now) : Duration.ZERO;
                lease = pool.acquire(new AcquireOptions(model, options.estimatedTokens(), wait, options.sessionId(), options.pinnedKey()));
            } catch (NoAvailableKeyException e) {
                if (attempts.isEmpty()) throw e;
                throw new RateLimitException(provider, model, attempts, "no key left to try", lastCause == null ? e : lastCause);
            }
            T result = null;
            Outcome outcome;
            Throwable cause = null;
            try {
                result = fn.call(lease.key());
                outcome = classify(result);
            } catch (InterruptedException e) {
                lease.release();
                Thread.currentThread().interrupt();
                throw new KeycycleException("interrupted during a call to " + provider + "/" + model, e);
            } catch (Exception e) {
                cause = e;
                Throwable classified = e instanceof PartialAnswerException && e.getCause() != null ? e.getCause() : e;
                outcome = pool.profile().classify(classified, Instant.ofEpochMilli(pool.clock().millis()));
            } catch (Error e) {
                lease.release();
                throw e;
            }
            if (result instanceof ProviderAnswer a && a.cancelled()) {
                lease.release();
                return result;
            }
            lease.report(outcome);
            attempts.add(new RateLimitException.Attempt(provider, model, lease.fingerprint(), outcome));
            if (outcome.isSuccess()) return result;
            lastCause = cause != null ? cause
                    : result instanceof ProviderResponse pr ? new ProviderHttpException(provider, pr)
                    : result instanceof ProviderAnswer pa ? new ProviderHttpException(provider, pa.response()) : null;
            if (cause instanceof PartialAnswerException || result instanceof ProviderAnswer a && !a.retryable()) {
                throw new RateLimitException(provider, model, attempts, "failed after part of the answer was delivered", lastCause, true);
            }
            if (!outcome.kind().rotates()) {
                throw new RateLimitException(provider, model, attempts, "not retryable (" + outcome.kind() + ")", lastCause);
            }
            if (attempts.size() > options.maxRetries()) {
                throw new RateLimitException(provider, model, attempts, "retries exhausted (maxRetries=" + options.maxRetries() + ")", lastCause);
            }
        }
    }

    private Outcome classify(T result) {
        Instant now = Instant.ofEpochMilli(pool.clock().millis());
        if (result instanceof ProviderResponse r) return pool.profile().classify(r, now);
        if (result instanceof ProviderAnswer a) return pool.profile().classify(a.response(), now);
        if (result instanceof HttpFailure f) return pool.profile().classify(f.toResponse(), now);
        if (result instanceof UsageReport u) return Outcome.success(u.usage());
        if (result instanceof Usage u) return Outcome.success(u);
        return Outcome.success(null);
    }
}
