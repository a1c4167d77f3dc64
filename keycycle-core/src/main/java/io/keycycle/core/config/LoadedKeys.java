package io.keycycle.core.config;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;

import java.net.URI;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keys found in the environment and {@code .env}, per provider in index order, with endpoint
 * overrides from {@code <P>_BASE_URL} and what was found along the way.
 *
 * @param keys     by lower-case provider name, sorted; providers without keys are absent
 * @param baseUrls endpoint overrides; pass them to {@link Catalog#withBaseUrls(Map)}
 */
public record LoadedKeys(Map<String, List<ApiKey>> keys, Map<String, URI> baseUrls, ValidationReport report) {

    public LoadedKeys {
        TreeMap<String, List<ApiKey>> k = new TreeMap<>();
        keys.forEach((p, list) -> k.put(p, List.copyOf(list)));
        keys = Collections.unmodifiableMap(k);
        baseUrls = Collections.unmodifiableMap(new TreeMap<>(baseUrls));
    }

    /** The keys of a provider; empty if none. */
    public List<ApiKey> keys(String provider) { return keys.getOrDefault(provider, List.of()); }

    public int total() { return keys.values().stream().mapToInt(List::size).sum(); }

    /** This, or a {@link ConfigurationException} carrying the formatted report if it has errors. */
    public LoadedKeys orThrow() {
        if (report.hasErrors()) throw new ConfigurationException("the key set-up has errors:\n" + report.format());
        return this;
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("LoadedKeys{");
        keys.forEach((p, l) -> sb.append(p).append('=').append(l.size()).append(' '));
        return sb.append("}").toString();
    }
}
