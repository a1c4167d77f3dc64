package io.keycycle.core.pool;

import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate-limit headers that make no sense must not take a key out of service for good. A limit of 0
 * on an answer that was served contradicts itself (the request was just served); adopting it as a
 * learned limit admits nothing ever again, so no answer can ever report the real limit and the
 * learned limit (persisted) never goes away.
 */
class GarbageHeadersTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");

    KeyPool pool(String provider) {
        return KeyPool.builder(TestPools.spec(provider)).keys(TestPools.keys(provider, 1))
                .limits(new Limits(30, -1, 1000, 8000, -1, -1))
                .profile(ProviderProfiles.forProvider(provider)).clock(clock).build();
    }

    static final String OK = "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":10}}";

    @Test
    void aGroqSuccessSayingItsLimitIsZeroDoesNotStopTheKeyForGood() {
        KeyPool p = pool("groq");
        p.call(CallOptions.of("m1", 10), key -> ProviderResponse.of(200, OK,
                "x-ratelimit-limit-requests", "0", "x-ratelimit-remaining-requests", "999",
                "x-ratelimit-limit-tokens", "0", "x-ratelimit-remaining-tokens", "7990"));
        clock.advance(Duration.ofMinutes(2));
        assertThat(p.nextAdmissible("m1", 10)).as("still admissible after a served answer claiming a limit of 0").isNotNull();
        assertThat(p.learnedLimits()).isEmpty();
    }

    @Test
    void aCerebrasSuccessSayingItsLimitIsZeroDoesNotStopTheKeyForGood() {
        KeyPool p = pool("cerebras");
        p.call(CallOptions.of("m1", 10), key -> ProviderResponse.of(200, OK,
                "x-ratelimit-limit-requests-day", "0", "x-ratelimit-limit-tokens-minute", "0"));
        clock.advance(Duration.ofMinutes(2));
        assertThat(p.nextAdmissible("m1", 10)).isNotNull();
        assertThat(p.learnedLimits()).isEmpty();
    }

    @Test
    void anOpenRouter429SayingItsLimitIsZeroCoolsButDoesNotStopTheAccountForGood() {
        KeyPool p = pool("openrouter");
        p.call(CallOptions.of("m1", 10).maxRetries(0), key -> ProviderResponse.of(200, OK));
        try {
            p.call(CallOptions.of("m1", 10).maxRetries(0), key -> ProviderResponse.of(429,
                    "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded: free-models-per-min. \"}}",
                    "X-RateLimit-Limit", "0", "X-RateLimit-Remaining", "0"));
        } catch (io.keycycle.core.RateLimitException expected) {
            // the 429 itself
        }
        clock.advance(Duration.ofMinutes(2));
        assertThat(p.nextAdmissible("m1", 10)).isNotNull();
    }

    @Test
    void aLearnedLimitOfZeroKeptByAnEarlierVersionIsNotRestored() {
        KeyPool p = pool("groq");
        String scope = p.keys().get(0).scope();
        p.restoreLearnedLimit(new KeycycleEvent.LimitLearned(clock.now(), "groq", scope, "m1", Limits.Metric.RPD, 1000, 0, "groq"));
        assertThat(p.nextAdmissible("m1", 10)).isNotNull();
    }
    @Test
    void aRateLimitAskingToWaitZeroSecondsStillCoolsTheKeyForASecond() {
        KeyPool p = pool("groq");
        try {
            p.call(CallOptions.of("m1", 10).maxRetries(0), key -> ProviderResponse.of(429,
                    "{\"error\":{\"message\":\"Rate limit reached for model `m1` on requests per minute (RPM)\","
                            + "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}",
                    "retry-after", "0"));
        } catch (io.keycycle.core.RateLimitException expected) {
            // the 429 itself
        }
        assertThat(p.nextAdmissible("m1", 10)).as("the key that just answered 429 is not sent again at once")
                .isAfterOrEqualTo(clock.now().plusSeconds(1));
    }
    @Test
    void anAnswerClaimingMoreTokensThanAnyModelHoldsIsChargedItsEstimate() {
        KeyPool p = pool("groq");
        p.call(CallOptions.of("m1", 10), key -> ProviderResponse.of(200,
                "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":1000000000000000000}}"));
        clock.advance(Duration.ofSeconds(3));
        assertThat(p.nextAdmissible("m1", 10)).as("a garbage usage report does not fill the key's token windows for a day")
                .isBeforeOrEqualTo(clock.now());
        p.call(CallOptions.of("m1", 10), key -> ProviderResponse.of(200, OK));
    }
}
