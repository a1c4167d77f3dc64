package io.keycycle.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The read side of the history: per-minute outcomes (charts, capacity plan), per-key usage per
 * model (forecast rates) and the key-state history (timeline). Reads only the aggregates and the
 * history table, never the raw usage rows, so it answers the same after raw rows were pruned.
 */
final class History {

    private final DataSource dataSource;

    History(DataSource dataSource) { this.dataSource = dataSource; }

    List<OutcomeMinute> outcomes(Instant from, Instant to) throws SQLException {
        List<OutcomeMinute> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT provider, model, outcome, minute, calls, tokens"
                     + " FROM keycycle_outcome_minute WHERE minute >= ? AND minute < ? ORDER BY minute, provider, model, outcome")) {
            ps.setLong(1, Math.floorDiv(from.toEpochMilli(), 60_000L) * 60_000L);
            ps.setLong(2, to.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new OutcomeMinute(rs.getString(1), rs.getString(2), OutcomeClass.valueOf(rs.getString(3)),
                            Instant.ofEpochMilli(rs.getLong(4)), rs.getLong(5), rs.getLong(6)));
                }
            }
        }
        return out;
    }

    List<KeyUsage> keyUsage(Instant from, Instant to) throws SQLException {
        List<KeyUsage> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT provider, key_fp, model, SUM(requests), SUM(tokens)"
                     + " FROM keycycle_usage_minute WHERE minute >= ? AND minute < ? GROUP BY provider, key_fp, model"
                     + " ORDER BY provider, key_fp, model")) {
            ps.setLong(1, Math.floorDiv(from.toEpochMilli(), 60_000L) * 60_000L);
            ps.setLong(2, to.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new KeyUsage(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
            }
        }
        return out;
    }

    List<FallbackCount> fallbacks(Instant from, Instant to) throws SQLException {
        List<FallbackCount> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT target, from_provider, from_model, provider, model, COUNT(*)"
                     + " FROM keycycle_fallback WHERE ts >= ? AND ts < ? GROUP BY target, from_provider, from_model, provider, model"
                     + " ORDER BY from_provider, from_model, target, provider, model")) {
            ps.setLong(1, from.toEpochMilli());
            ps.setLong(2, to.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new FallbackCount(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6)));
                }
            }
        }
        return out;
    }

    List<StateChange> states(Instant from, Instant to) throws SQLException {
        List<StateChange> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT provider, level, subject, model, scope, key_fp, state, at_ms,"
                     + " until_ms, reason FROM keycycle_state_history WHERE at_ms >= ? AND at_ms < ? ORDER BY at_ms, id")) {
            ps.setLong(1, from.toEpochMilli());
            ps.setLong(2, to.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long until = rs.getLong(9);
                    Instant untilAt = rs.wasNull() ? null : Instant.ofEpochMilli(until);
                    out.add(new StateChange(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), Instant.ofEpochMilli(rs.getLong(8)), untilAt, rs.getString(10)));
                }
            }
        }
        return out;
    }
}
