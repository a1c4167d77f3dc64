package io.keycycle.core.pool;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cause and limit of a hold, read back from the engine's own words at the start of its reason. */
class HoldReasonsTest {

    @Test
    void causesAndMetricsComeFromAFixedSet() {
        assertThat(HoldReasons.cause("rate-limited (tpm): Rate limit reached for model")).isEqualTo("rate_limited");
        assertThat(HoldReasons.metric("rate-limited (tpm): Rate limit reached for model")).isEqualTo("tpm");
        assertThat(HoldReasons.cause("daily quota exhausted (rpd): free-models-per-day")).isEqualTo("quota_exhausted");
        assertThat(HoldReasons.cause("provider reports 0 remaining rpd")).isEqualTo("zero_remaining");
        assertThat(HoldReasons.metric("provider reports 0 remaining rpd")).isEqualTo("rpd");
        assertThat(HoldReasons.cause("payment (transient): retry later")).isEqualTo("payment_transient");
        assertThat(HoldReasons.cause("payment: insufficient credits")).isEqualTo("payment");
        assertThat(HoldReasons.cause("key invalid: API key not valid")).isEqualTo("key_invalid");
        assertThat(HoldReasons.cause("something a future version writes")).isEqualTo("other");
        assertThat(HoldReasons.metric("key invalid: the rpm in a provider's text")).as("only the engine's own words count").isEmpty();
        assertThat(HoldReasons.cause(null)).isEqualTo("other");
    }
}
