package io.keycycle.store;

/**
 * How many calls to {@code target} (a tier or a model) {@code provider}/{@code model} served because
 * the first candidate, {@code fromProvider}/{@code fromModel}, (and any before the server) could not.
 */
public record FallbackCount(String target, String fromProvider, String fromModel, String provider, String model, long calls) { }
