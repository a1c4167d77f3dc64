package io.keycycle.core.pool;

import io.keycycle.core.KeyState;

import java.time.Instant;

/**
 * A key's effective state, computed in one place ({@link PoolSnapshot#status}): DISABLED (the key
 * itself), else PARKED or COOLING when the key's scope is held for every model or for the model
 * asked about (parked wins over cooling), else READY. {@code until} is when the state ends by itself
 * (null for READY and DISABLED), {@code reason} why.
 */
public record KeyStatus(KeyState state, Instant until, String reason) {

    public static final KeyStatus READY = new KeyStatus(KeyState.READY, null, null);

    public boolean isReady() { return state == KeyState.READY; }
}
