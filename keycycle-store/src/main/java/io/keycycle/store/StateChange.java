package io.keycycle.store;

import java.time.Instant;

/**
 * One recorded state change: a key ({@code level} KEY, {@code subject} its fingerprint), a scope(+model)
 * (SCOPE, the scope) or a model (MODEL) became {@code state} at {@code at}, until {@code until} for
 * cooldowns and parkings (null otherwise), for {@code reason}.
 */
public record StateChange(String provider, String level, String subject, String model, String scope, String keyFp,
                          String state, Instant at, Instant until, String reason) { }
