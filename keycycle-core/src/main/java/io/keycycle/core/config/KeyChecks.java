package io.keycycle.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Heuristics on a secret's shape. They only warn: a key that looks odd may still work. */
final class KeyChecks {

    static final int MIN_LENGTH = 20;

    private static final List<String> PLACEHOLDER_WORDS = List.of("your-key-here", "your_key_here", "yourkeyhere",
            "your-api-key", "your_api_key", "yourapikey", "api_key_here", "api-key-here", "insert_key", "insert-key",
            "placeholder", "changeme", "change-me", "change_me", "replace-me", "replace_me", "replaceme");

    /** Provider name to usual key prefix ({@code groq -> gsk_}). */
    private final Map<String, String> prefixes;

    KeyChecks(Map<String, String> prefixes) { this.prefixes = Map.copyOf(prefixes); }

    /** Why the secret looks like a placeholder, or null. */
    String placeholder(String secret) {
        String lower = secret.toLowerCase(Locale.ROOT);
        for (String w : PLACEHOLDER_WORDS) {
            if (lower.contains(w)) return "contains '" + w + "'";
        }
        if (secret.contains("...") || secret.contains("…")) return "contains '...'";
        if (secret.contains("<") && secret.contains(">")) return "looks like '<...>'";
        if (lower.contains("xxxxx")) return "contains 'xxxxx'";
        String body = stripPrefix(secret).replace("-", "").replace("_", "");
        if (body.length() > 1 && body.chars().distinct().count() == 1) return "is one character repeated";
        return null;
    }

    /** The usual prefix of a provider's keys, or null. */
    String prefix(String provider) { return prefixes.get(provider); }

    /** Another provider whose usual prefix this secret has, or null. */
    String otherProviderByPrefix(String provider, String secret) {
        for (Map.Entry<String, String> e : prefixes.entrySet()) {
            if (!e.getKey().equals(provider) && secret.startsWith(e.getValue())) return e.getKey();
        }
        return null;
    }

    private String stripPrefix(String secret) {
        for (String p : prefixes.values()) {
            if (secret.startsWith(p)) return secret.substring(p.length());
        }
        return secret.startsWith("sk-") ? secret.substring(3) : secret;
    }
}
