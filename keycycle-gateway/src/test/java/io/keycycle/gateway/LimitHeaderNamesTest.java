package io.keycycle.gateway;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which answer headers a success hands to the classifier: rate limits, resets, retry hints, quotas, in any case. */
class LimitHeaderNamesTest {

    @Test
    void limitHeadersAreFoundInAnyCaseAndOthersAreNot() {
        for (String name : new String[] {"x-ratelimit-remaining-requests", "X-RateLimit-Reset-Tokens", "Retry-After", "retry-after-ms",
                "X-RATE-LIMIT-LIMIT", "x-quota-left", "RateLimit", "anthropic-ratelimit-tokens-reset", "x-Reset"}) {
            assertThat(UpstreamAnswer.isLimitHeader(name)).as(name).isTrue();
        }
        for (String name : new String[] {"content-type", "Content-Length", "server", "date", "connection", "x-request-id", "rate",
                "r", "", "x-rate", "quot"}) {
            assertThat(UpstreamAnswer.isLimitHeader(name)).as(name).isFalse();
        }
    }
}
