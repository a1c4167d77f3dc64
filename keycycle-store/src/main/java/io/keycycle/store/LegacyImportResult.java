package io.keycycle.store;

import java.util.Map;
import java.util.Set;

/**
 * What {@link KeycycleStore#importLegacy} did. The Python library identified keys by their last
 * 8 characters; a suffix that matches no configured key, or more than one, cannot be attributed
 * and its rows are skipped.
 *
 * @param rowsRead           rows read from {@code usage_logs}
 * @param imported           rows newly written
 * @param alreadyImported    rows skipped because an earlier import wrote them
 * @param unmatchedRows      rows whose suffix matched no key
 * @param ambiguousRows      rows whose suffix matched several keys
 * @param unmatchedSuffixes  per provider, suffixes that matched no configured key
 * @param ambiguousSuffixes  per provider, suffix → fingerprints of the keys that share it
 */
public record LegacyImportResult(long rowsRead, long imported, long alreadyImported, long unmatchedRows,
                                 long ambiguousRows, Map<String, Set<String>> unmatchedSuffixes,
                                 Map<String, Map<String, Set<String>>> ambiguousSuffixes) {
    public LegacyImportResult {
        unmatchedSuffixes = Map.copyOf(unmatchedSuffixes);
        ambiguousSuffixes = Map.copyOf(ambiguousSuffixes);
    }
}
