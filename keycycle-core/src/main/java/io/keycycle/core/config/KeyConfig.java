package io.keycycle.core.config;

import io.keycycle.core.ApiKey;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of one key ({@code providers.<p>.keys.<selector>}), selected by its 1-based index or
 * by its {@linkplain ApiKey#fingerprint() fingerprint}. A fingerprint may be written in full
 * ({@code 3f9a1c07…wxyz}, or with {@code ...}) or as its 8 hex digits. A fingerprint selector
 * survives renumbering of the environment; an index does not.
 *
 * @param selector as written in the file ({@code "3"} or a fingerprint)
 * @param scope    the scope the key belongs to, or null (environment {@code <P>_SCOPE_<i>} wins)
 * @param tier     the key tier ({@code key-tiers.<tier>}) the key belongs to, or null
 * @param limits   limits for every model of this key
 * @param models   limits per model for this key; they win over {@code limits}
 */
public record KeyConfig(String selector, String scope, String tier, PartialLimits limits,
                        Map<String, PartialLimits> models) {

    private static final Pattern INDEX = Pattern.compile("\\d{1,6}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{8}((…|\\.\\.\\.).{0,4})?");

    public KeyConfig {
        Objects.requireNonNull(selector, "selector");
        limits = limits == null ? PartialLimits.EMPTY : limits;
        models = Map.copyOf(models);
    }

    /** True if {@code s} is a valid selector: an index >= 1 or a fingerprint. */
    public static boolean isValidSelector(String s) {
        return (INDEX.matcher(s).matches() && Integer.parseInt(s) >= 1) || FINGERPRINT.matcher(normalize(s)).matches();
    }

    /** True when the selector is an index. */
    public boolean byIndex() { return INDEX.matcher(selector).matches(); }

    /** The 1-based index, or 0 when selected by fingerprint. */
    public int index() { return byIndex() ? Integer.parseInt(selector) : 0; }

    /** True if this entry selects {@code key}. */
    public boolean matches(ApiKey key) {
        if (byIndex()) return key.index() == index();
        String want = normalize(selector);
        String have = key.fingerprint();
        return want.length() == 8 ? have.startsWith(want) : have.equals(want);
    }

    private static String normalize(String s) { return s.trim().toLowerCase(Locale.ROOT).replace("...", "…"); }
}
