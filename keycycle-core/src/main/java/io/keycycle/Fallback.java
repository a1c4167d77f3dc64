package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.PoolAvailability;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.client.TokenEstimator;
import io.keycycle.core.config.ModelRef;
import io.keycycle.core.pool.CallOptions;
import io.keycycle.core.pool.KeyPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One call's way through the candidates of its target, with the rules of tier fallback: which
 * candidate comes next (skipping those without keys, stopping at the deadline), when a candidate's
 * failure hands over to the next one, and what is thrown when every candidate failed (one
 * exception carrying all attempts, or the earliest instant a key frees up).
 *
 * <p>The blocking loop ({@link #call}) and the non-blocking one ({@link AsyncFallback}) both drive
 * a {@code Fallback}; neither has a rule of its own, so a library caller, an async caller and the
 * gateway go through the same decisions. Within a candidate, rotation between keys is the pool's
 * own loop ({@link KeyPool#call}, {@link KeyPool#callAsync}). Steps run one at a time (the async
 * loop starts the next step when the previous one completed), so the state needs no lock.
 *
 * <p>The deadline runs on the monotonic clock ({@link EngineClock#nanos()}): a wall clock stepped
 * while calling changes no deadline. With the request's shape in the spec
 * ({@link CallSpec#withRequest}), each candidate reserves what its provider counts ({@link TokenEstimator#reservationFor}) and one that could never admit the
 * request (Cerebras: reservation above its TPM) hands over without sending it. A call served by a
 * later candidate is announced ({@link Advice#fellBack}).
 */
final class Fallback<T> {

    private static final Logger log = LoggerFactory.getLogger(Fallback.class);

    private final Map<String, KeyPool> pools;
    private final EngineClock clock;
    private final String target;
    private final CallSpec spec;
    private final List<ModelRef> candidates;
    private final Advice advice;
    /** The request's estimated prompt (-1: unknown, each candidate reserves the spec's estimate) and completion limit. */
    private final long prompt;
    private final OptionalLong maxOutput;
    private final long deadline; // monotonic milliseconds
    private final List<KeycycleException> failures = new ArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private int next;

    /** What the rules ask of the facade: catalog knowledge about candidates, and who hears of a fall-back. */
    interface Advice {
        /** Why candidate {@code c} can never admit a request of {@code prompt} tokens and completion limit {@code max}, or null. */
        String neverFits(ModelRef c, long prompt, OptionalLong max);

        /** {@code e} as handed over, e.g. naming what the catalog suggests instead of a model that is gone. */
        KeycycleException explain(KeycycleException e);

        /** {@code served}, not the first of {@code candidates}, served the call after {@code skipped} failed. */
        void fellBack(String target, List<ModelRef> candidates, ModelRef served, int skipped);
    }

    /** One candidate to try: its pool, the options of its call, and the key of its last attempt. */
    static final class Step {
        final ModelRef candidate;
        final KeyPool pool;
        final CallOptions options;
        volatile String fingerprint;

        private Step(ModelRef candidate, KeyPool pool, CallOptions options) {
            this.candidate = candidate;
            this.pool = pool;
            this.options = options;
        }
    }

    Fallback(Map<String, KeyPool> pools, EngineClock clock, String target, CallSpec spec, List<ModelRef> candidates,
             Advice advice) {
        this.pools = pools;
        this.clock = clock;
        this.target = target;
        this.spec = spec;
        this.candidates = candidates;
        this.prompt = spec.promptTokens();
        this.maxOutput = spec.maxOutput();
        this.advice = advice;
        this.deadline = monotonicMillis() + spec.timeout().toMillis();
    }

    private long monotonicMillis() { return Math.floorDiv(clock.nanos(), 1_000_000L); }

    /** The blocking loop: each candidate's pool rotates keys; a candidate that cannot serve hands over. */
    Served<T> call(TargetCall<T> fn) {
        for (Step s; (s = next()) != null; ) {
            Step step = s;
            try {
                T value = step.pool.call(step.options, key -> fn.call(step.candidate, attempt(step, key)));
                return served(step, value);
            } catch (NoAvailableKeyException | RateLimitException | ConfigurationException e) {
                failed(step, e);
            }
        }
        throw exhausted();
    }

    /**
     * The next candidate to try, or null when none is left or the deadline has passed.
     *
     * @throws KeycycleException a candidate that can never admit the request, when no other may be tried
     */
    Step next() {
        while (next < candidates.size()) {
            long remaining = deadline - monotonicMillis();
            if (remaining <= 0) return null;
            ModelRef c = candidates.get(next++);
            KeyPool pool = pools.get(c.provider());
            if (pool == null) {
                failures.add(noKeys(c));
                continue;
            }
            CallSpec forCandidate = spec;
            if (prompt >= 0) {
                String never = advice.neverFits(c, prompt, maxOutput);
                if (never != null) {
                    handOver(c, new io.keycycle.core.RequestNeverFitsException(c.provider(), c.model(), pool.size(), never));
                    continue;
                }
                forCandidate = spec.withEstimatedTokens(TokenEstimator.reservationFor(c.provider(), prompt, maxOutput,
                        Math.max(0, spec.estimatedTokens() - prompt)));
            }
            return new Step(c, pool, forCandidate.toOptions(c.model(), Duration.ofMillis(remaining)));
        }
        return null;
    }

    /** Notes an attempt of {@code step} with {@code key} (counted, and named in the result); returns the key. */
    ApiKey attempt(Step step, ApiKey key) {
        attempts.incrementAndGet();
        step.fingerprint = key.fingerprint();
        return key;
    }

    /** The result of a call {@code step} served; a candidate after the first is announced as a fall-back. */
    Served<T> served(Step step, T value) {
        if (!failures.isEmpty()) advice.fellBack(target, candidates, step.candidate, failures.size());
        return new Served<>(value, step.candidate.provider(), step.candidate.model(), step.fingerprint, attempts.get(), failures.size());
    }

    /** True for the failures a candidate hands over with ({@link #failed}); anything else ends the call as it is. */
    static boolean handsOver(Throwable t) {
        return t instanceof NoAvailableKeyException || t instanceof RateLimitException || t instanceof ConfigurationException;
    }

    /**
     * {@code step}'s candidate failed with {@code e}: records it so the next candidate is tried, or
     * throws it when no other candidate may be tried (an invalid request, a started answer, a
     * pinned key, a single candidate's configuration error).
     */
    void failed(Step step, KeycycleException e) {
        handOver(step.candidate, advice.explain(e));
    }

    private void handOver(ModelRef c, KeycycleException e) {
        if (e instanceof ConfigurationException) {
            if (candidates.size() == 1) throw e;
            failures.add(e);
            log.warn("tier candidate {} skipped: {}", c, e.getMessage());
            return;
        }
        if (!fallbackAllowed(e) || spec.pinnedKey() != null) throw e;
        failures.add(e);
        if (candidates.size() > 1) log.info("{} cannot serve now, trying the next candidate: {}", c, e.getMessage());
    }

    /**
     * An invalid request (400/422) would fail the same way elsewhere, except one too large for this
     * candidate (413, 429) or too long for its model's context window, which another model may take;
     * anything else may succeed on the next candidate.
     */
    static boolean fallbackAllowed(KeycycleException e) {
        if (e instanceof RateLimitException r && r.answerStarted()) return false;
        if (e instanceof RateLimitException r && r.lastOutcome() != null && r.lastOutcome().kind() == OutcomeKind.REQUEST_INVALID) {
            int s = r.lastOutcome().status();
            return s == 413 || s == 429 || r.lastOutcome().contextTooLong();
        }
        return true;
    }

    private static NoAvailableKeyException noKeys(ModelRef c) {
        return new NoAvailableKeyException(c.provider(), c.model(), 0, 0, 0, 0, null, "no keys configured for " + c.provider());
    }

    /** What to throw when no candidate served: the one failure, or all of them combined. */
    KeycycleException exhausted() {
        if (failures.size() == 1) return failures.get(0);
        if (failures.isEmpty()) {
            return new NoAvailableKeyException(target, candidates.toString(), 0, 0, 0, 0, null, "deadline passed before any candidate could be tried");
        }
        boolean anyAttempt = false;
        PoolAvailability available = new PoolAvailability(null, 0, 0, 0, 0);
        boolean availabilityKnown = true;
        List<RateLimitException.Attempt> all = new ArrayList<>();
        int total = 0, cooling = 0, parked = 0, disabled = 0;
        Instant retryAt = null;
        StringBuilder why = new StringBuilder();
        for (KeycycleException f : failures) {
            if (why.length() > 0) why.append("; ");
            if (f instanceof NoAvailableKeyException n) {
                available = available.plus(PoolAvailability.of(n));
                total += n.totalKeys();
                cooling += n.cooling();
                parked += n.parked();
                disabled += n.disabled();
                if (n.retryAt() != null && (retryAt == null || n.retryAt().isBefore(retryAt))) retryAt = n.retryAt();
                why.append(n.provider()).append('/').append(n.model()).append(": ").append(shortWhy(n.getMessage()));
            } else if (f instanceof RateLimitException r) {
                anyAttempt = true;
                if (r.availability() != null) available = available.plus(r.availability());
                else availabilityKnown = false;
                all.addAll(r.attempts());
                why.append(r.provider()).append('/').append(r.model()).append(": ").append(shortWhy(r.getMessage()));
            } else {
                why.append(f.getMessage()); // a candidate skipped for its configuration: no keys to count
            }
        }
        if (anyAttempt) {
            return new RateLimitException(target, candidates.toString(), all, "every candidate failed (" + why + ")", failures.get(failures.size() - 1),
                    false, availabilityKnown ? available : null);
        }
        if (failures.stream().allMatch(io.keycycle.core.RequestNeverFitsException.class::isInstance)) {
            // no wait can help on any candidate: say so, not "exhausted" (which reads as "try again later")
            return new io.keycycle.core.RequestNeverFitsException(target, candidates.toString(), total,
                    "no candidate can ever admit this request (" + why + ")");
        }
        return new NoAvailableKeyException(target, candidates.toString(), total, cooling, parked, disabled, retryAt, "every candidate is exhausted (" + why + ")");
    }

    private static String shortWhy(String message) {
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }
}
