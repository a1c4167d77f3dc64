package io.keycycle.core.pool;

import io.keycycle.core.Limits;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failure that changes nothing in the pool (a 500: TRANSIENT, the request given back) is retried
 * on another key, as the engine's rules say. The key that failed keeps the most headroom (its request
 * was given back), so selection by headroom picked it again: a pool of two keys sent all six
 * attempts of a call to one of them.
 */
class RotationToAnotherKeyTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");

    /** Without the backoff after transient failures in a row (PoolPolicy#transientTrip): the rotation alone. */
    KeyPool pool() {
        return KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", 2)).policy(PoolPolicy.DEFAULT.withTransientTrip(0))
                .limits(new Limits(30, -1, 1000, 100_000, -1, -1))
                .profile(ProviderProfiles.forProvider("groq")).clock(clock).build();
    }

    static final String OK = "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":10}}";
    static final String BOOM = "{\"error\":{\"message\":\"Internal Server Error\",\"type\":\"internal_server_error\"}}";

    @Test
    void aTransientFailureIsRetriedOnTheOtherKeyBlocking() {
        KeyPool p = pool();
        String busy = p.keys().get(0).fingerprint();
        // the first key serves a call: it has less headroom than the second from now on
        p.call(CallOptions.of("m1", 10).pinned(busy), key -> ProviderResponse.of(200, OK));
        List<String> used = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> p.call(CallOptions.of("m1", 10).maxRetries(3), key -> {
            used.add(key.fingerprint());
            return ProviderResponse.of(500, BOOM);
        })).isInstanceOf(RateLimitException.class);
        assertThat(used).as("attempts of one call: " + used).hasSize(4);
        assertThat(used.subList(0, 2)).as("the second attempt goes to the other key").doesNotHaveDuplicates();
    }

    @Test
    void aTransientFailureIsRetriedOnTheOtherKeyAsync() {
        KeyPool p = pool();
        String busy = p.keys().get(0).fingerprint();
        p.call(CallOptions.of("m1", 10).pinned(busy), key -> ProviderResponse.of(200, OK));
        List<String> used = new CopyOnWriteArrayList<>();
        CompletableFuture<ProviderResponse> f = p.callAsync(CallOptions.of("m1", 10).maxRetries(3), key -> {
            used.add(key.fingerprint());
            return CompletableFuture.completedFuture(ProviderResponse.of(500, BOOM));
        }).toCompletableFuture();
        assertThat(f).isCompletedExceptionally();
        assertThat(used).as("attempts of one call: " + used).hasSize(4);
        assertThat(used.subList(0, 2)).as("the second attempt goes to the other key").doesNotHaveDuplicates();
    }
}
