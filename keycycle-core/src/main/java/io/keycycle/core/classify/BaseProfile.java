package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;
import io.keycycle.core.Usage;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The classification skeleton shared by every profile: parse the body once, read usage on 2xx,
 * treat a 2xx with a top-level {@code error} as the failure it reports, run the provider's own rules
 * ({@link #specific}), fall back to {@link StatusRules}, attach header observations.
 */
abstract class BaseProfile implements ProviderProfile {

    private final String name;

    BaseProfile(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    /**
     * The provider's own rules for a non-success answer, or null to use the generic status rules.
     * {@link Answer#status()} is the status to judge (the {@code error.code} for a failure inside a 200).
     */
    abstract Outcome specific(Answer a);

    /** Rate-limit headers of this provider; none by default. */
    List<RateLimitObservation> observations(ProviderResponse response) {
        return List.of();
    }

    @Override
    public final Outcome classify(ProviderResponse response, Instant now) {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(now, "now");
        try {
            return classifyUnguarded(response, now);
        } catch (RuntimeException e) {
            // Last line of defence: a classifier never throws on what a provider sent.
            return Outcome.of(OutcomeKind.TRANSIENT, response.status(),
                    "unclassifiable HTTP " + response.status() + " answer (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@link #classify(ProviderResponse, Instant)} without the safety net (tests call this). */
    final Outcome classifyUnguarded(ProviderResponse response, Instant now) {
        JsonNode tree = ErrorBody.readTree(response.body());
        ErrorBody body = ErrorBody.of(tree, response.body());
        int status = response.status();
        Outcome outcome;
        if (status >= 200 && status <= 299) {
            if (body.hasTopLevelError()) {
                int code = body.numericCode() >= 400 && body.numericCode() <= 599 ? body.numericCode() : 500;
                outcome = classifyFailure(new Answer(response, now, code, body));
            } else {
                Usage usage = UsageReader.read(tree);
                outcome = new Outcome(OutcomeKind.SUCCESS, status, usage, null, null, null, false, List.of(), "ok");
            }
        } else {
            outcome = classifyFailure(new Answer(response, now, status, body));
        }
        List<RateLimitObservation> seen = observations(response);
        if (seen.isEmpty()) return outcome;
        if (outcome.observations().isEmpty()) return outcome.withObservations(seen);
        // the body's observations (read by the provider's rules) first, then the headers'
        List<RateLimitObservation> all = new java.util.ArrayList<>(outcome.observations());
        for (RateLimitObservation o : seen) if (!all.contains(o)) all.add(o);
        return outcome.withObservations(all);
    }

    private Outcome classifyFailure(Answer a) {
        Outcome o = specific(a);
        return o != null ? o : StatusRules.byStatus(a);
    }

    @Override
    public final Outcome classify(Throwable failure, Instant now) {
        Objects.requireNonNull(now, "now");
        return FailureClassifier.classify(this, failure, now);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + "]";
    }
}
