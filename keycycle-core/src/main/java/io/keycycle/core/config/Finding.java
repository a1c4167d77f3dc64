package io.keycycle.core.config;

import java.util.Locale;
import java.util.Objects;

/**
 * One observation about the key set-up. Messages name variables and fingerprints, never secrets.
 *
 * @param provider the provider concerned, or null for the environment as a whole
 */
public record Finding(Severity severity, String provider, Code code, String message) {

    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    public enum Severity { ERROR, WARNING, INFO }

    /** What was found; {@link #id()} is the stable spelling ({@code count-mismatch}). */
    public enum Code {
        /** How many keys of a provider were loaded (INFO). */
        LOADED,
        /** {@code NUM_<P>} is not a whole number >= 0 (ERROR). */
        NUM_INVALID,
        /** {@code NUM_<P>} differs from the number of keys set. */
        COUNT_MISMATCH,
        /** An index between 1 and NUM (or the highest index) has no key. */
        GAP,
        /** Keys with an index above {@code NUM_<P>}; ignored. */
        EXTRA_KEYS,
        /** Keys found without {@code NUM_<P>}; all were used. */
        NO_NUM,
        /** The same secret twice, within a provider (the later one is dropped) or across providers. */
        DUPLICATE,
        /** A value that looks like a placeholder ({@code your-key-here}, {@code sk-...}, {@code <key>}). */
        PLACEHOLDER,
        /** Shorter than 20 characters. */
        TOO_SHORT,
        /** Does not start like the provider's keys, or starts like another provider's. */
        PREFIX_MISMATCH,
        /** A provider that the catalog does not know. */
        UNKNOWN_PROVIDER,
        /** A per-key entry in the YAML file that selects no loaded key. */
        UNKNOWN_KEY_REF,
        /** {@code <P>_API_KEY_<i>} set but empty. */
        EMPTY_KEY,
        /** A key with a character an HTTP header cannot carry (line break, space, non-ASCII); skipped. */
        KEY_CHARACTERS,
        /** Index 0 or otherwise unusable variable name. */
        BAD_INDEX,
        /** {@code <P>_BASE_URL} is not an http(s) URL (ERROR). */
        BASE_URL_INVALID,
        /** {@code <P>_API_KEY} without an index, which Keycycle does not read. */
        UNINDEXED_KEY,
        /** A syntax problem in the {@code .env} file. */
        DOTENV_SYNTAX;

        public String id() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }
    }

    @Override public String toString() {
        return severity + " " + (provider == null ? "" : provider + " ") + code.id() + ": " + message;
    }
}
