package io.keycycle.store;

import io.keycycle.core.ApiKey;
import io.keycycle.core.OutcomeKind;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads the Python library's {@code usage_logs} (id, provider, model, api_key_suffix, timestamp,
 * tokens) and writes each row whose suffix names exactly one configured key as a usage record
 * with event id {@code legacy-<provider>-<id>}, so a second import writes nothing new. Legacy
 * rows only ever recorded successes with a total token count: they become one SUCCESS request
 * with all tokens charged and no prompt/completion split. A datetime {@code timestamp} is read as UTC.
 */
final class LegacyImporter {

    private static final int PAGE = 5_000;

    private final BatchWriter writer;

    LegacyImporter(BatchWriter writer) { this.writer = writer; }

    LegacyImportResult run(Connection source, Map<String, List<ApiKey>> keys) throws SQLException {
        Map<String, List<ApiKey>> byProvider = new HashMap<>();
        keys.forEach((p, list) -> byProvider.put(p.toLowerCase(Locale.ROOT), List.copyOf(list)));
        Map<String, Map<String, List<ApiKey>>> matches = new HashMap<>();
        Map<String, Set<String>> unmatched = new TreeMap<>();
        Map<String, Map<String, Set<String>>> ambiguous = new TreeMap<>();
        long read = 0, imported = 0, already = 0, unmatchedRows = 0, ambiguousRows = 0;
        List<StoredEvent> batch = new ArrayList<>(StoreConfig.MAX_BATCH);
        long lastId = Long.MIN_VALUE;
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT id, provider, model, api_key_suffix, timestamp, tokens FROM usage_logs WHERE id > ? ORDER BY id LIMIT " + PAGE)) {
            while (true) {
                ps.setLong(1, lastId);
                int n = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        n++;
                        read++;
                        long id = rs.getLong(1);
                        lastId = id;
                        String provider = String.valueOf(rs.getString(2)).trim().toLowerCase(Locale.ROOT);
                        String model = rs.getString(3);
                        String suffix = rs.getString(4) == null ? "" : rs.getString(4).trim();
                        long ts = epochMillis(rs.getObject(5), id);
                        long tokens = rs.getLong(6);
                        List<ApiKey> hit = matches.computeIfAbsent(provider, p -> new HashMap<>())
                                .computeIfAbsent(suffix, s -> byProvider.getOrDefault(provider, List.of()).stream()
                                        .filter(k -> k.secretEndsWith(s)).toList());
                        if (hit.isEmpty()) {
                            unmatchedRows++;
                            unmatched.computeIfAbsent(provider, p -> new TreeSet<>()).add(suffix);
                            continue;
                        }
                        if (hit.size() > 1) {
                            ambiguousRows++;
                            Set<String> fps = new TreeSet<>();
                            hit.forEach(k -> fps.add(k.fingerprint()));
                            ambiguous.computeIfAbsent(provider, p -> new TreeMap<>()).put(suffix, fps);
                            continue;
                        }
                        ApiKey key = hit.get(0);
                        batch.add(new StoredEvent.Usage(id, "legacy-" + provider + "-" + id, provider, key.scope(),
                                key.fingerprint(), model, ts, 1, 0, 0, tokens, OutcomeKind.SUCCESS.name(), 200));
                        if (batch.size() == StoreConfig.MAX_BATCH) {
                            BatchWriter.Result r = writer.write(batch);
                            imported += r.inserted();
                            already += r.duplicates();
                            batch.clear();
                        }
                    }
                }
                if (n < PAGE) break;
            }
        }
        if (!batch.isEmpty()) {
            BatchWriter.Result r = writer.write(batch);
            imported += r.inserted();
            already += r.duplicates();
        }
        return new LegacyImportResult(read, imported, already, unmatchedRows, ambiguousRows, unmatched, ambiguous);
    }

    /** Epoch seconds (float, the Python default), epoch millis, or a datetime taken as UTC. */
    static long epochMillis(Object v, long id) {
        if (v instanceof Number n) {
            double d = n instanceof BigDecimal b ? b.doubleValue() : n.doubleValue();
            return d > 1e11 ? (long) d : Math.round(d * 1000.0);
        }
        if (v instanceof Timestamp t) return t.toLocalDateTime().toInstant(ZoneOffset.UTC).toEpochMilli();
        if (v instanceof LocalDateTime t) return t.toInstant(ZoneOffset.UTC).toEpochMilli();
        if (v instanceof OffsetDateTime t) return t.toInstant().toEpochMilli();
        if (v instanceof Instant t) return t.toEpochMilli();
        if (v instanceof String s) {
            String text = s.trim();
            try {
                return epochMillis(Double.parseDouble(text), id);
            } catch (NumberFormatException notANumber) {
                try {
                    return LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
                } catch (RuntimeException e) {
                    throw new StoreException("usage_logs row " + id + ": unreadable timestamp '" + text + "'");
                }
            }
        }
        throw new StoreException("usage_logs row " + id + ": unsupported timestamp type "
                + (v == null ? "null" : v.getClass().getName()));
    }
}
