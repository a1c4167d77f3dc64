package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.pool.KeyPool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The candidate-by-candidate loop of {@link Keycycle#callAsync}; each step starts when the previous one completed. */
final class AsyncFallback<T> {
    private final Map<String, KeyPool> pools;
    private final EngineClock clock;
    private final String target;
    private final CallSpec spec;
    private final List<ModelRef> candidates;
    private final AsyncTargetCall<T> fn;
    private final long deadline;
    private final List<KeycycleException> failures = new ArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private final java.util.concurrent.CompletableFuture<Served<T>> promise = new java.util.concurrent.CompletableFuture<>();
    private volatile java.util.concurrent.CompletableFuture<T> inFlight;

    AsyncFallback(Map<String, KeyPool> pools, EngineClock clock, String target, CallSpec spec, List<ModelRef> candidates,
                  AsyncTargetCall<T> fn) {
        this.pools = pools;
        this.clock = clock;
        this.target = target;
        this.spec = spec;
        this.candidates = candidates;
        this.fn = fn;
        this.deadline = Math.floorDiv(clock.nanos(), 1_000_000L) + spec.timeout().toMillis(); // monotonic
    }

    java.util.concurrent.CompletableFuture<Served<T>> start() {
        promise.whenComplete((v, e) -> {
            java.util.concurrent.CompletableFuture<T> f = inFlight;
            if (promise.isCancelled() && f != null) f.cancel(true);
        });
        next(0);
        return promise;
    }

    private void next(int i) {
        for (; i < candidates.size() && !promise.isDone(); i++) {
            ModelRef c = candidates.get(i);
            long remaining = deadline - Math.floorDiv(clock.nanos(), 1_000_000L);
            if (remaining <= 0) break;
            KeyPool pool = pools.get(c.provider());
            if (pool == null) {
                failures.add(Fallback.noKeys(c));
                continue;
            }
            AtomicReference<String> fingerprint = new AtomicReference<>();
            java.util.concurrent.CompletableFuture<T> f = pool.callAsync(spec.toOptions(c.model(), Duration.ofMillis(remaining)), key -> {
                attempts.incrementAndGet();
                fingerprint.set(key.fingerprint());
                return fn.call(c, key);
            });
            inFlight = f;
            if (promise.isCancelled()) f.cancel(true);
            int at = i;
            f.whenComplete((value, failure) -> done(at, c, fingerprint.get(), value, failure));
            return;
        }
        promise.completeExceptionally(Fallback.combine(target, candidates, failures));
    }

    private void done(int i, ModelRef c, String fingerprint, T value, Throwable failure) {
        if (failure == null) {
            promise.complete(new Served<>(value, c.provider(), c.model(), fingerprint, attempts.get(), failures.size()));
            return;
        }
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (!(cause instanceof NoAvailableKeyException || cause instanceof RateLimitException || cause instanceof ConfigurationException)) {
            promise.completeExceptionally(cause);
            return;
        }
        try {
            Fallback.handOver((KeycycleException) cause, c, spec, candidates, failures);
        } catch (KeycycleException stop) {
            promise.completeExceptionally(stop);
            return;
        }
        next(i + 1);
    }
}
