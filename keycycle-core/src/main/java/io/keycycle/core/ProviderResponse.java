package io.keycycle.core;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a provider answered: status, headers (case-insensitive names) and body text. The input of
 * classification. Bodies may be any garbage; classifiers never throw on them.
 */
public record ProviderResponse(int status, Map<String, List<String>> headers, String body) {

    public ProviderResponse {
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (headers != null) {
            headers.forEach((k, v) -> { if (k != null && v != null) h.put(k, List.copyOf(v)); });
        }
        headers = java.util.Collections.unmodifiableMap(h);
        body = body == null ? "" : body;
    }

    public static ProviderResponse of(int status, String body, String... headerPairs) {
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            h.computeIfAbsent(headerPairs[i].toLowerCase(Locale.ROOT), k -> new java.util.ArrayList<>()).add(headerPairs[i + 1]);
        }
        return new ProviderResponse(status, h, body);
    }

    /** First value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
