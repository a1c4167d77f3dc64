package io.keycycle.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** Usage reports from the raw usage table (it has the prompt/completion split the aggregate lacks). */
final class UsageReports {

    private final DataSource dataSource;
    private final Dialect dialect;

    UsageReports(DataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
    }

    List<UsageRow> report(ReportQuery q) throws SQLException {
        boolean byProvider = q.groupBy().contains(ReportQuery.GroupBy.PROVIDER) || q.groupBy().contains(ReportQuery.GroupBy.KEY);
        boolean byKey = q.groupBy().contains(ReportQuery.GroupBy.KEY);
        boolean byModel = q.groupBy().contains(ReportQuery.GroupBy.MODEL);
        boolean byDay = q.groupBy().contains(ReportQuery.GroupBy.DAY);
        List<String> dims = new ArrayList<>();
        if (byDay) dims.add(dialect.dayOf("ts"));
        if (byProvider) dims.add("provider");
        if (byKey) dims.add("key_fp");
        if (byModel) dims.add("model");
        String select = "SELECT " + (dims.isEmpty() ? "" : String.join(", ", dims) + ", ")
                + "COALESCE(SUM(requests), 0), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),"
                + " COALESCE(SUM(charged_tokens), 0), COALESCE(SUM(CASE WHEN outcome = 'SUCCESS' THEN 0 ELSE 1 END), 0)"
                + " FROM keycycle_usage WHERE ts >= ? AND ts < ? AND outcome <> '" + StoredEvent.REFUSED + "'";
        String group = dims.isEmpty() ? "" : " GROUP BY " + String.join(", ", dims) + " ORDER BY " + String.join(", ", dims);
        List<UsageRow> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(select + group)) {
            ps.setLong(1, q.from().toEpochMilli());
            ps.setLong(2, q.to().toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int i = 1;
                    LocalDate day = byDay ? LocalDate.ofEpochDay(rs.getLong(i++)) : null;
                    String provider = byProvider ? rs.getString(i++) : null;
                    String key = byKey ? rs.getString(i++) : null;
                    String model = byModel ? rs.getString(i++) : null;
                    UsageRow row = new UsageRow(provider, key, model, day, rs.getLong(i), rs.getLong(i + 1),
                            rs.getLong(i + 2), rs.getLong(i + 3), rs.getLong(i + 4));
                    if (dims.isEmpty() && row.requests() == 0 && row.chargedTokens() == 0 && row.failures() == 0) continue;
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /**
     * Deletes usage rows, aggregates and finished states older than {@code cutoffMillis}, in chunks
     * of 5,000 rows per statement; returns the usage rows deleted. The per-minute aggregate of the
     * {@link Hydrator#LOOKBACK} before {@code nowMillis} is kept whatever the cutoff: hydration reads
     * it to rebuild the day windows (until 2026-12-04 a prune of 12 h deleted half of them).
     */
    long prune(long cutoffMillis, long nowMillis) throws SQLException {
        long deleted = deleteInChunks(dialect.deleteOlder("keycycle_usage", "ts", 5_000), cutoffMillis);
        long aggregateCutoff = Math.min(cutoffMillis, nowMillis - Hydrator.LOOKBACK.toMillis());
        deleteInChunks(dialect.deleteOlder("keycycle_usage_minute", "minute", 5_000),
                Math.floorDiv(aggregateCutoff, 60_000L) * 60_000L);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM keycycle_key_state WHERE updated_at < ?"
                     + " AND (state = 'READY' OR (state IN ('COOLING', 'PARKED') AND until_ms < ?))")) {
            ps.setLong(1, cutoffMillis);
            ps.setLong(2, cutoffMillis);
            ps.executeUpdate();
        }
        return deleted;
    }

    private long deleteInChunks(String sql, long cutoff) throws SQLException {
        long total = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            int n;
            do {
                ps.setLong(1, cutoff);
                n = ps.executeUpdate();
                total += n;
            } while (n > 0);
        }
        return total;
    }
}
