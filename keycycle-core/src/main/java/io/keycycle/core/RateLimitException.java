package io.keycycle.core;

import java.util.List;

/**
 * A call ran out of options: {@code maxRetries} attempts or the deadline passed, or the failure
 * cannot be fixed by rotation. Carries every attempt and the last cause.
 */
public class RateLimitException extends KeycycleException {
    private final String provider;
    private final String model;
    private final List<Attempt> attempts;
    private final boolean answerStarted;
    private final PoolAvailability availability;

    public RateLimitException(String provider, String model, List<Attempt> attempts, String why, Throwable lastCause) {
        this(provider, model, attempts, why, lastCause, false);
    }

    /**
     * @param answerStarted part of the answer was already delivered (a stream that broke): nobody
     *                      may repeat the call, not even on another provider
     */
    public RateLimitException(String provider, String model, List<Attempt> attempts, String why, Throwable lastCause,
                              boolean answerStarted) {
        this(provider, model, attempts, why, lastCause, answerStarted, null);
    }

    /** @param availability what the pools could offer when the call gave up (null: not known) */
    public RateLimitException(String provider, String model, List<Attempt> attempts, String why, Throwable lastCause,
                              boolean answerStarted, PoolAvailability availability) {
        super(why + " for " + provider + "/" + model + " after " + attempts.size() + " attempt(s)"
                + (attempts.isEmpty() ? "" : "; last: " + attempts.get(attempts.size() - 1)), lastCause);
        this.provider = provider;
        this.model = model;
        this.attempts = List.copyOf(attempts);
        this.answerStarted = answerStarted;
        this.availability = availability;
    }

    /** What the pools of the call could offer when it gave up; null when not known. */
    public PoolAvailability availability() { return availability; }

    /** True when part of the answer was already delivered, so the call must not be repeated anywhere. */
    public boolean answerStarted() { return answerStarted; }

    public String provider() { return provider; }
    public String model() { return model; }
    public List<Attempt> attempts() { return attempts; }

    /** The last outcome, or null when no attempt was made. */
    public Outcome lastOutcome() { return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1).outcome(); }

    /** One try: which key (fingerprint) and what came back. */
    public record Attempt(String provider, String model, String fingerprint, Outcome outcome) {
        @Override public String toString() {
            return provider + "/" + model + " key " + fingerprint + " -> " + outcome.kind()
                    + (outcome.status() > 0 ? " (HTTP " + outcome.status() + ")" : "") + ": " + outcome.reason();
        }
    }
}
