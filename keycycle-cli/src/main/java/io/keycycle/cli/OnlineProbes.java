package io.keycycle.cli;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.client.KeyProbe;
import io.keycycle.core.config.Catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network side of {@code check --online} and {@code models --online}: one {@link KeyProbe} per
 * provider endpoint, each key probed in turn (the cheapest authenticated call the provider offers).
 */
final class OnlineProbes {

    /** A key and what its provider said about it. */
    record Probed(ApiKey key, KeyProbe.Result result) { }

    private final Catalog catalog;
    private final Map<String, KeyProbe> probes = new LinkedHashMap<>();
    private final Duration timeout;

    OnlineProbes(Catalog catalogWithEndpoints, Duration timeout) {
        this.catalog = catalogWithEndpoints;
        this.timeout = timeout;
    }

    /** Probes {@code key} now; a provider without an endpoint is reported as unreachable. */
    Probed probe(ApiKey key, Instant now) throws InterruptedException {
        ProviderSpec spec = catalog.provider(key.provider());
        if (spec.baseUrl() == null) {
            return new Probed(key, new KeyProbe.Result(KeyProbe.Health.UNREACHABLE, 0, null, List.of(),
                    "no endpoint: set " + key.provider().toUpperCase(java.util.Locale.ROOT) + "_BASE_URL"));
        }
        KeyProbe p = probes.computeIfAbsent(key.provider(), n -> KeyProbe.create(n, spec.baseUrl(), timeout));
        return new Probed(key, p.probe(key.secret(), now));
    }

    /** "5: a, b, c, …" */
    static String models(List<String> ids, int shown) {
        if (ids.isEmpty()) return "-";
        List<String> first = ids.subList(0, Math.min(shown, ids.size()));
        return ids.size() + ": " + String.join(", ", first) + (ids.size() > shown ? ", …" : "");
    }
}
