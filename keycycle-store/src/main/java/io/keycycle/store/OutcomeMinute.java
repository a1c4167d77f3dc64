package io.keycycle.store;

import java.time.Instant;

/** Calls and charged tokens of one provider, model and outcome class in one minute (UTC minute start). */
public record OutcomeMinute(String provider, String model, OutcomeClass outcome, Instant minute, long calls, long tokens) { }
