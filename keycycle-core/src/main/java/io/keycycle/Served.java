package io.keycycle;

/**
 * A result and who served it: provider, model, key fingerprint, how many attempts the call took
 * in all (rotations and fallbacks included) and how many candidates were skipped before it.
 */
public record Served<T>(T value, String provider, String model, String fingerprint, int attempts, int fallbacks) {
}
