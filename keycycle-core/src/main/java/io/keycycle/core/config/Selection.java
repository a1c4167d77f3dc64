package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.util.Locale;

/** How the pool picks among admissible keys ({@code selection:} in the file). */
public enum Selection {
    /** Most headroom first, ties broken round-robin. The default. */
    HEADROOM,
    /** Strict rotation over admissible keys. */
    ROUND_ROBIN,
    /** The first admissible key in index order (the Python library's behaviour). */
    FIRST_FIT;

    /** The configuration spelling: {@code headroom}, {@code round-robin}, {@code first-fit}. */
    public String key() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    public static Selection parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Selection v : values()) if (v.key().equals(n)) return v;
        throw new ConfigurationException("unknown selection '" + s + "': expected headroom, round-robin or first-fit");
    }
}
