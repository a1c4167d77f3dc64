package io.keycycle.core.pool;

import io.keycycle.core.ConfigurationException;

/** How the pool picks among admissible keys. */
public enum Selection {
    /**
     * Spread load: of the next two admissible keys in round-robin order, the one with the most
     * headroom (smallest used fraction of any limit). O(1), unlike a full scan over thousands of keys.
     */
    HEADROOM,
    /** Strict rotation: the next admissible key after the previous pick. */
    ROUND_ROBIN,
    /** The first admissible key in configuration order (the Python library's behaviour). */
    FIRST_FIT;

    /** The configuration spelling: {@code headroom}, {@code round-robin}, {@code first-fit}. */
    public String key() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }

    public static Selection parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "headroom" -> HEADROOM;
            case "round-robin" -> ROUND_ROBIN;
            case "first-fit" -> FIRST_FIT;
            default -> throw new ConfigurationException("unknown selection '" + s + "': expected headroom, round-robin or first-fit");
        };
    }
}
