package io.keycycle.core.classify;

import io.keycycle.core.Outcome;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitObservation;

import java.util.List;

/**
 * Any OpenAI-compatible provider without a profile of its own: the status rules alone, plus
 * window-suffixed {@code x-ratelimit-*} headers when present (unsuffixed ones are ambiguous: OpenAI's
 * {@code -requests} is per minute, Groq's per day, so they are not read here).
 */
final class GenericProfile extends BaseProfile {

    GenericProfile(String name) {
        super(name);
    }

    @Override
    Outcome specific(Answer a) {
        return null;
    }

    @Override
    List<RateLimitObservation> observations(ProviderResponse response) {
        return RateLimitHeaders.suffixed(response);
    }
}
