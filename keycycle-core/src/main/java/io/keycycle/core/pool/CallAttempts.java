package io.keycycle.core.pool;

import io.keycycle.core.HttpFailure;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.Usage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The decisions of one rotating call, shared by the blocking {@link CallLoop} and the
 * non-blocking {@link AsyncCallLoop}: how a result or failure is classified, how an attempt is
 * settled and recorded, and whether to rotate or stop. The loops only differ in how they wait and
 * how they get a result; every rule lives here. Not thread-safe: one call drives it at a time.
 */
final class CallAttempts {

    /** What to do after an attempt was settled. */
    enum Next { RETURN, ROTATE }

    private final KeyPool pool;
    private final CallOptions options;
    private final long deadline;
    private final List<RateLimitException.Attempt> attempts = new ArrayList<>();
    /** Fingerprints of the keys that failed so far (null until one does): the next attempt takes another key when one can take it. */
    private java.util.Set<String> tried;
    private Throwable lastCause;

    CallAttempts(KeyPool pool, CallOptions options) {
        this.pool = pool;
        this.options = options;
        this.deadline = Saturating.add(pool.time().now(), Saturating.millis(options.timeout()));
    }

    /** Engine time at which the call gives up. */
    long deadline() { return deadline; }

    boolean anyAttempt() { return !attempts.isEmpty(); }

    /** What the next attempt asks of the pool: waiting up to {@code wait}, bounded by the call's deadline, another key first. */
    AcquireOptions acquireOptions(java.time.Duration wait, long now) {
        return new AcquireOptions(options.model(), options.estimatedTokens(), wait, options.sessionId(), options.pinnedKey(),
                java.time.Duration.ofMillis(Math.max(0, deadline() - now)), tried == null ? null : java.util.Set.copyOf(tried));
    }

    /** The failure to end with because the deadline passed at {@code now}, or null while time is left. */
    RateLimitException expired(long now) {
        if (now < deadline) return null;
        return new RateLimitException(pool.provider(), options.model(), attempts, "deadline of " + options.timeout() + " passed", lastCause,
                false, availability());
    }

    /** The failure to end with when no key could be admitted: the refusal itself before any attempt. */
    RuntimeException noKey(NoAvailableKeyException e) {
        if (attempts.isEmpty()) return e;
        return new RateLimitException(pool.provider(), options.model(), attempts, "no key left to try", lastCause == null ? e : lastCause,
                false, io.keycycle.core.PoolAvailability.of(e));
    }

    /** What the pool can offer this call's model when it gives up (so the failure carries it). */
    private io.keycycle.core.PoolAvailability availability() {
        try {
            return pool.availability(options.model(), options.estimatedTokens());
        } catch (RuntimeException unknownModel) {
            return null;
        }
    }

    /** The outcome of a call that returned {@code result}. */
    Outcome classify(Object result) {
        Instant now = pool.time().wallNow();
        if (result instanceof ProviderResponse r) return pool.profile().classify(r, now);
        if (result instanceof ProviderAnswer a) return pool.profile().classify(a.response(), now);
        if (result instanceof HttpFailure f) return pool.profile().classify(f.toResponse(), now);
        if (result instanceof UsageReport u) return Outcome.success(u.usage());
        if (result instanceof Usage u) return Outcome.success(u);
        // a foreign client's answer (OpenAI's SDK, LangChain4j, a record of one's own): its usage() if it has one
        return Outcome.success(io.keycycle.core.classify.ReflectiveUsage.of(result));
    }

    /** The outcome of a call that failed with {@code failure} (a partial answer is judged by its cause). */
    Outcome classifyFailure(Throwable failure) {
        Throwable classified = failure instanceof PartialAnswerException && failure.getCause() != null ? failure.getCause() : failure;
        return pool.profile().classify(classified, pool.time().wallNow());
    }

    /**
     * Settles {@code lease} for one attempt and decides what comes next: {@link Next#RETURN} the
     * result (a success, or a cancelled answer: abandoned, or released when it never left), or
     * {@link Next#ROTATE} to another key.
     *
     * @param result  what the call returned (null when it failed)
     * @param failure what the call threw (null when it returned)
     * @throws RateLimitException the call must stop: partial answer, not rotatable, retries exhausted
     */
    Next settle(Lease lease, Object result, Throwable failure, Outcome outcome) {
        if (result instanceof ProviderAnswer a && a.cancelled()) {
            if (a.reachedProvider()) {
                lease.abandon("cancelled by the caller");
                // usage the answer had carried before the caller left (a stream's usage chunk, read
                // before its [DONE]) replaces the estimate, as usage reported late would
                if (outcome.isSuccess() && outcome.usage() != null) lease.success(outcome.usage());
            } else {
                lease.release();
            }
            return Next.RETURN;
        }
        String provider = pool.provider();
        String model = options.model();
        // Part of an answer came back (a stream's events, then an error event or a cut): the provider
        // had the request, so an outcome that would give it back (a 5xx, a timeout) leaves it counted.
        boolean partial = failure instanceof PartialAnswerException || result instanceof ProviderAnswer a && !a.retryable();
        if (mayHaveBeenCounted(failure, outcome) || partial && !outcome.kind().countedByProvider()) {
            lease.abandon(outcome.reason());
            // usage the answer reported before it was cut (a stream's usage chunk before its [DONE])
            // replaces the estimate, as usage reported late would
            if (failure instanceof PartialAnswerException p && p.usage() != null) lease.success(p.usage());
        } else {
            lease.report(outcome);
        }
        attempts.add(new RateLimitException.Attempt(provider, model, lease.fingerprint(), outcome));
        if (outcome.isSuccess()) return Next.RETURN;
        if (tried == null) tried = new java.util.HashSet<>();
        tried.add(lease.fingerprint());
        lastCause = failure != null ? failure
                : result instanceof ProviderResponse pr ? new ProviderHttpException(provider, pr)
                : result instanceof ProviderAnswer pa ? new ProviderHttpException(provider, pa.response()) : null;
        if (partial) {
            throw new RateLimitException(provider, model, attempts, "failed after part of the answer was delivered", lastCause, true,
                    availability());
        }
        if (!outcome.kind().rotates()) {
            throw new RateLimitException(provider, model, attempts, "not retryable (" + outcome.kind() + ")", lastCause, false,
                    availability());
        }
        if (attempts.size() > options.maxRetries()) {
            throw new RateLimitException(provider, model, attempts, "retries exhausted (maxRetries=" + options.maxRetries() + ")", lastCause,
                    false, availability());
        }
        return Next.ROTATE;
    }

    /**
     * The cancellation {@code failure} is (directly, or wrapped in a {@link java.util.concurrent.CompletionException}
     * or {@link java.util.concurrent.ExecutionException}), or null. A cancelled attempt may have
     * reached the provider: both loops abandon its lease (it stays counted) and end the call
     * without trying another key, throwing or completing with this cancellation.
     */
    static java.util.concurrent.CancellationException cancellation(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; (t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null && depth < 16; depth++) {
            t = t.getCause();
        }
        return t instanceof java.util.concurrent.CancellationException c ? c : null;
    }

    /**
     * The interruption {@code failure} is (directly, or wrapped as {@link #cancellation} unwraps), or
     * null. The blocking loop ends a call whose thread was interrupted; the non-blocking loop ends a
     * call whose stage failed with one (its worker was interrupted: an executor shutting down) the
     * same way: the lease abandoned (it stays counted), no other key tried.
     */
    static InterruptedException interruption(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; (t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null && depth < 16; depth++) {
            t = t.getCause();
        }
        return t instanceof InterruptedException i ? i : null;
    }

    /**
     * True for a failure without an answer that happened after the request may have left: a
     * timeout, an interrupt or an I/O failure other than failing to connect. The provider may have
     * counted such a request, so it stays counted instead of being reported as a transient failure
     * (which would un-count it). Failures of the caller's own code that are not I/O keep today's
     * rule (un-counted).
     */
    static boolean mayHaveBeenCounted(Throwable failure, Outcome outcome) {
        if (failure == null || outcome.status() != 0 || outcome.kind() != io.keycycle.core.OutcomeKind.TRANSIENT) return false;
        boolean inFlight = false;
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException || t instanceof java.net.http.HttpConnectTimeoutException) {
                return false; // never connected: nothing was sent
            }
            if (t instanceof java.io.IOException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof InterruptedException || t.getClass().getSimpleName().contains("Timeout")) {
                inFlight = true;
            }
        }
        return inFlight;
    }
}
