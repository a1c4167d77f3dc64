package io.keycycle.core.forecast;

/**
 * How much a scope consumed recently: requests counted by the provider and charged tokens over the
 * last {@code minutes} minutes. {@code model} {@code *} means every model of the scope (a limit the
 * provider shares across models).
 */
@FunctionalInterface
public interface RateSource {

    /** Requests (tokens = false) or tokens (tokens = true) of the scope and model over the last {@code minutes} minutes. */
    long consumed(String provider, String scope, String model, boolean tokens, int minutes);
}
