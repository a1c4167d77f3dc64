package io.keycycle.core.testing;

import io.keycycle.core.ApiKey;
import io.keycycle.core.DailyReset;
import io.keycycle.core.HttpFailure;
import io.keycycle.core.Limits;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Strategy;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small fixtures for engine tests: specs, fake keys and a status-code-only profile. */
public final class TestPools {
    private TestPools() { }

    public static ProviderSpec spec(String name, Strategy strategy, DailyReset reset) {
        return new ProviderSpec(name, URI.create("http://127.0.0.1:1/" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)), "m1", strategy, reset,
                Map.of("m1", Limits.UNLIMITED, "m2", Limits.UNLIMITED), Limits.UNLIMITED, "test", true);
    }

    public static ProviderSpec spec(String name) { return spec(name, Strategy.PER_MODEL, DailyReset.sliding()); }

    /** {@code n} obviously fake keys; {@code scopes[i % scopes.length]} as their scopes (null = own scope). */
    public static List<ApiKey> keys(String provider, int n, String... scopes) {
        List<ApiKey> l = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String scope = scopes.length == 0 ? null : scopes[(i - 1) % scopes.length];
            l.add(new ApiKey(provider, i, String.format("fake_%s_test_key_%06d", provider, i), scope));
        }
        return l;
    }

    /**
     * A profile that only looks at status codes (2xx success, 429 rate-limited with retry-after,
     * 401 invalid, 503 overloaded, other 4xx invalid request, 5xx transient). The real per-provider
     * profiles live in io.keycycle.core.classify; this one keeps pool tests independent of them.
     */
    public static ProviderProfile statusProfile(String name) {
        return new ProviderProfile() {
            @Override public String name() { return name; }

            @Override public Outcome classify(ProviderResponse r, Instant now) {
                int s = r.status();
                if (s / 100 == 2) return Outcome.success(null);
                if (s == 429) {
                    String ra = r.header("retry-after");
                    Outcome o = Outcome.of(OutcomeKind.RATE_LIMITED, s, "429");
                    return ra == null ? o : o.withRetryAfter(java.time.Duration.ofSeconds(Long.parseLong(ra)));
                }
                if (s == 401) return Outcome.of(OutcomeKind.KEY_INVALID, s, "invalid key");
                if (s == 503) return Outcome.of(OutcomeKind.OVERLOADED, s, "overloaded");
                if (s / 100 == 4) return Outcome.of(OutcomeKind.REQUEST_INVALID, s, "bad request");
                return Outcome.of(OutcomeKind.TRANSIENT, s, "server error");
            }

            @Override public Outcome classify(Throwable t, Instant now) {
                for (Throwable c = t; c != null; c = c.getCause()) {
                    if (c instanceof HttpFailure f) return classify(f.toResponse(), now);
                }
                return Outcome.of(OutcomeKind.TRANSIENT, 0, t.getClass().getSimpleName());
            }
        };
    }
}
