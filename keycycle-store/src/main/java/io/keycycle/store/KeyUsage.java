package io.keycycle.store;

/** Requests counted by the provider and charged tokens of one key and model over a range. */
public record KeyUsage(String provider, String keyFp, String model, long requests, long tokens) { }
