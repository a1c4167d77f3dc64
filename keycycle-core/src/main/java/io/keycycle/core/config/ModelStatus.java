package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.util.Locale;

/** Where a model stands in the catalog. Deprecated and retired models still resolve. */
public enum ModelStatus {
    /** In the provider's current table. */
    CURRENT,
    /** Announced or past deprecation; the provider may still answer for a while. */
    DEPRECATED,
    /** Gone from the provider's table; kept so old configurations keep their limits. */
    RETIRED,
    /** Not in the built-in table; added by the user's file. */
    USER_DEFINED,
    /** Known to nobody; usable only because the provider allows unknown models. */
    UNLISTED;

    public String key() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    static ModelStatus parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "current" -> CURRENT;
            case "deprecated" -> DEPRECATED;
            case "retired" -> RETIRED;
            default -> throw new ConfigurationException("unknown status '" + s + "': expected current, deprecated or retired");
        };
    }
}
