package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem of one file so the user sees them all at once, not one per run. */
final class Problems {

    private final String source;
    private final List<String> messages = new ArrayList<>();

    Problems(String source) { this.source = source; }

    String source() { return source; }

    /** Adds a problem found at a 1-based line (0 when the line is unknown). */
    void add(int line, String message) {
        messages.add(line > 0 ? message + " (" + source + " line " + line + ")" : message + " (" + source + ")");
    }

    boolean isEmpty() { return messages.isEmpty(); }

    /** Throws one {@link ConfigurationException} listing every problem, if there is any. */
    void throwIfAny() {
        if (messages.isEmpty()) return;
        if (messages.size() == 1) throw new ConfigurationException(messages.get(0));
        StringBuilder sb = new StringBuilder(source).append(" has ").append(messages.size()).append(" problems:");
        for (String m : messages) sb.append("\n  - ").append(m);
        throw new ConfigurationException(sb.toString());
    }
}
