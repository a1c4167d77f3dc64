package io.keycycle.bench;

import io.keycycle.core.ApiKey;

import java.util.ArrayList;
import java.util.List;

/** Obviously fake keys: the provider's prefix, {@code bench}, and a zero-padded number. */
final class FakeKeys {

    private FakeKeys() {
    }

    /** {@code count} distinct keys of {@code provider}, indexed 1..count, each its own scope. */
    static List<ApiKey> of(String provider, int count) {
        String prefix = switch (provider) {
            case "cerebras" -> "csk-";
            case "groq" -> "gsk_";
            case "gemini" -> "AIza";
            case "openrouter" -> "sk-or-v1-";
            default -> provider + "-";
        };
        List<ApiKey> keys = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            keys.add(ApiKey.of(provider, i, String.format("%sbench_%030d", prefix, i)));
        }
        return keys;
    }
}
