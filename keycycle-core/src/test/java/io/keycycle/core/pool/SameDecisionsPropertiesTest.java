package io.keycycle.core.pool;

import io.keycycle.core.Limits;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The blocking and the non-blocking loop reach the same end through the same attempts for any script of answers. */
class SameDecisionsPropertiesTest {

    @Provide
    Arbitrary<List<Integer>> scripts() {
        return Arbitraries.of(200, 400, 401, 429, 500, 503, -1).list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 200)
    void syncAndAsyncAgree(@ForAll("scripts") List<Integer> script, @ForAll @IntRange(min = 0, max = 6) int maxRetries,
                           @ForAll @IntRange(min = 1, max = 4) int keys) {
        String sync = run(script, maxRetries, keys, false);
        String async = run(script, maxRetries, keys, true);
        assertThat(async).isEqualTo(sync);
    }

    /** A transcript: the keys tried and how the call ended. */
    private static String run(List<Integer> script, int maxRetries, int keys, boolean async) {
        KeyPool p = KeyPool.builder(TestPools.spec("groq")).keys(TestPools.keys("groq", keys)).limits(Limits.UNLIMITED)
                .profile(TestPools.statusProfile("groq")).clock(ManualClock.at("2026-11-28T10:00:00Z"))
                .selection(Selection.ROUND_ROBIN).build();
        AtomicInteger i = new AtomicInteger();
        List<Integer> tried = new ArrayList<>();
        CallOptions o = CallOptions.of("m1", 10).maxRetries(maxRetries);
        String end;
        try {
            ProviderResponse r;
            if (async) {
                r = p.callAsync(o, key -> {
                    tried.add(key.index());
                    int s = script.get(Math.min(i.getAndIncrement(), script.size() - 1));
                    return s < 0 ? CompletableFuture.failedFuture(new java.net.SocketTimeoutException("slow"))
                            : CompletableFuture.completedFuture(ProviderResponse.of(s, "{}", "retry-after", "5"));
                }).join();
            } else {
                r = p.call(o, key -> {
                    tried.add(key.index());
                    int s = script.get(Math.min(i.getAndIncrement(), script.size() - 1));
                    if (s < 0) throw new java.net.SocketTimeoutException("slow");
                    return ProviderResponse.of(s, "{}", "retry-after", "5");
                });
            }
            end = "ok " + r.status();
        } catch (CompletionException e) {
            end = describe(e.getCause());
        } catch (RuntimeException e) {
            end = describe(e);
        }
        assertThat(p.openLeases()).isZero();
        return tried + " " + end;
    }

    private static String describe(Throwable t) {
        if (t instanceof RateLimitException r) {
            return "RateLimit " + r.attempts().stream().map(a -> a.fingerprint() + ":" + a.outcome().kind()).toList() + " " + r.getMessage();
        }
        return t.getClass().getSimpleName() + " " + t.getMessage();
    }
}
