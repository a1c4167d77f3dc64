package io.keycycle;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.PoolAvailability;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.config.ModelRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of tier fallback, shared by {@link Keycycle#call} and {@link Keycycle#callAsync}: when a
 * candidate's failure hands over to the next candidate, and what is thrown when every candidate
 * failed (one exception carrying all attempts, or the earliest instant a key frees up).
 */
final class Fallback {

    private static final Logger log = LoggerFactory.getLogger(Keycycle.class);

    private Fallback() { }

    static NoAvailableKeyException noKeys(ModelRef c) {
        return new NoAvailableKeyException(c.provider(), c.model(), 0, 0, 0, 0, null, "no keys configured for " + c.provider());
    }

    /**
     * A candidate failed with {@code e}: records it so the next candidate is tried, or throws it when
     * no other candidate may be tried (an invalid request, a started answer, a pinned key, a single
     * candidate's configuration error).
     */
    static void handOver(KeycycleException e, ModelRef c, CallSpec spec, List<ModelRef> candidates,
                                 List<KeycycleException> failures) {
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

    /** An invalid request (400/422) would fail the same way elsewhere; anything else may succeed on the next candidate. */
    static boolean fallbackAllowed(KeycycleException e) {
        if (e instanceof RateLimitException r && r.answerStarted()) return false;
        if (e instanceof RateLimitException r && r.lastOutcome() != null && r.lastOutcome().kind() == OutcomeKind.REQUEST_INVALID) {
            int s = r.lastOutcome().status();
            return s == 413 || s == 429;
        }
        return true;
    }

    static KeycycleException combine(String target, List<ModelRef> candidates, List<KeycycleException> failures) {
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
        return new NoAvailableKeyException(target, candidates.toString(), total, cooling, parked, disabled, retryAt, "every candidate is exhausted (" + why + ")");
    }

    private static String shortWhy(String message) {
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }
}
