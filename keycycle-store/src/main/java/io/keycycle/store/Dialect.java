package io.keycycle.store;

import java.util.List;

/**
 * The SQL that differs between SQLite and MySQL-family servers. TiDB is MySQL with one DDL change:
 * {@code AUTO_RANDOM} ids (no write hotspot); nothing orders by id anyway.
 */
enum Dialect {
    SQLITE, MYSQL, TIDB;

    boolean mysqlFamily() { return this != SQLITE; }

    /** Version 1 of the schema. */
    List<String> schemaV1() {
        if (this == SQLITE) {
            return List.of(
                    """
                    CREATE TABLE IF NOT EXISTS keycycle_usage (
                      id INTEGER PRIMARY KEY,
                      event_id TEXT NOT NULL UNIQUE,
                      provider TEXT NOT NULL,
                      scope TEXT,
                      key_fp TEXT NOT NULL,
                      model TEXT NOT NULL,
                      ts INTEGER NOT NULL,
                      requests INTEGER NOT NULL,
                      prompt_tokens INTEGER NOT NULL,
                      completion_tokens INTEGER NOT NULL,
                      charged_tokens INTEGER NOT NULL,
                      outcome TEXT NOT NULL,
                      status INTEGER NOT NULL)""",
                    "CREATE INDEX IF NOT EXISTS idx_keycycle_usage_ts ON keycycle_usage (ts, event_id)",
                    "CREATE INDEX IF NOT EXISTS idx_keycycle_usage_key ON keycycle_usage (provider, key_fp, ts)",
                    """
                    CREATE TABLE IF NOT EXISTS keycycle_usage_minute (
                      provider TEXT NOT NULL,
                      key_fp TEXT NOT NULL,
                      model TEXT NOT NULL,
                      minute INTEGER NOT NULL,
                      requests INTEGER NOT NULL,
                      tokens INTEGER NOT NULL,
                      PRIMARY KEY (provider, key_fp, model, minute))""",
                    "CREATE INDEX IF NOT EXISTS idx_keycycle_usage_minute_minute ON keycycle_usage_minute (minute)",
                    """
                    CREATE TABLE IF NOT EXISTS keycycle_key_state (
                      provider TEXT NOT NULL,
                      level TEXT NOT NULL,
                      subject TEXT NOT NULL,
                      model TEXT NOT NULL,
                      scope TEXT,
                      key_fp TEXT,
                      state TEXT NOT NULL,
                      until_ms INTEGER,
                      reason TEXT,
                      updated_at INTEGER NOT NULL,
                      PRIMARY KEY (provider, level, subject, model))""");
        }
        String id = this == TIDB ? "id BIGINT NOT NULL AUTO_RANDOM PRIMARY KEY" : "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
        String table = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
        return List.of(
                """
                CREATE TABLE IF NOT EXISTS keycycle_usage (
                  %s,
                  event_id VARCHAR(64) NOT NULL,
                  provider VARCHAR(64) NOT NULL,
                  scope VARCHAR(191),
                  key_fp VARCHAR(64) NOT NULL,
                  model VARCHAR(191) NOT NULL,
                  ts BIGINT NOT NULL,
                  requests BIGINT NOT NULL,
                  prompt_tokens BIGINT NOT NULL,
                  completion_tokens BIGINT NOT NULL,
                  charged_tokens BIGINT NOT NULL,
                  outcome VARCHAR(32) NOT NULL,
                  status INT NOT NULL,
                  UNIQUE KEY uk_keycycle_usage_event (event_id),
                  KEY idx_keycycle_usage_ts (ts, event_id),
                  KEY idx_keycycle_usage_key (provider, key_fp, ts))""".formatted(id) + table,
                """
                CREATE TABLE IF NOT EXISTS keycycle_usage_minute (
                  provider VARCHAR(64) NOT NULL,
                  key_fp VARCHAR(64) NOT NULL,
                  model VARCHAR(191) NOT NULL,
                  minute BIGINT NOT NULL,
                  requests BIGINT NOT NULL,
                  tokens BIGINT NOT NULL,
                  PRIMARY KEY (provider, key_fp, model, minute),
                  KEY idx_keycycle_usage_minute_minute (minute))""" + table,
                """
                CREATE TABLE IF NOT EXISTS keycycle_key_state (
                  provider VARCHAR(64) NOT NULL,
                  level VARCHAR(16) NOT NULL,
                  subject VARCHAR(191) NOT NULL,
                  model VARCHAR(191) NOT NULL,
                  scope VARCHAR(191),
                  key_fp VARCHAR(64),
                  state VARCHAR(32) NOT NULL,
                  until_ms BIGINT,
                  reason VARCHAR(512),
                  updated_at BIGINT NOT NULL,
                  PRIMARY KEY (provider, level, subject, model))""" + table);
    }

    /**
     * Version 2: per-minute calls and tokens by outcome class (what the dashboard charts, kept longer
     * than raw rows), an append-only history of key-state changes (the timeline) and one row per call
     * a later tier candidate served (the capacity plan's fallbacks).
     */
    List<String> schemaV2() {
        if (this == SQLITE) {
            return List.of(
                    """
                    CREATE TABLE IF NOT EXISTS keycycle_outcome_minute (
                      provider TEXT NOT NULL,
                      model TEXT NOT NULL,
                      outcome TEXT NOT NULL,
                      minute INTEGER NOT NULL,
                      calls INTEGER NOT NULL,
                      tokens INTEGER NOT NULL,
                      PRIMARY KEY (provider, model, outcome, minute))""",
                    "CREATE INDEX IF NOT EXISTS idx_keycycle_outcome_minute_minute ON keycycle_outcome_minute (minute)",
                    """
                    CREATE TABLE IF NOT EXISTS keycycle_state_history (
                      id INTEGER PRIMARY KEY,
                      event_id TEXT NOT NULL UNIQUE,
                      provider TEXT NOT NULL,
                      level TEXT NOT NULL,
                      subject TEXT NOT NULL,
                      model TEXT NOT NULL,
                      scope TEXT,
                      key_fp TEXT,
                      state TEXT NOT NULL,
                      until_ms INTEGER,
                      reason TEXT,
                      at_ms INTEGER NOT NULL)""",
                    "CREATE INDEX IF NOT EXISTS idx_keycycle_state_history_at ON keycycle_state_history (at_ms)",
                    """
                    CREATE TABLE IF NOT EXISTS keycycle_fallback (
                      id INTEGER PRIMARY KEY,
                      event_id TEXT NOT NULL UNIQUE,
                      ts INTEGER NOT NULL,
                      target TEXT NOT NULL,
                      from_provider TEXT NOT NULL,
                      from_model TEXT NOT NULL,
                      provider TEXT NOT NULL,
                      model TEXT NOT NULL)""",
                    "CREATE INDEX IF NOT EXISTS idx_keycycle_fallback_ts ON keycycle_fallback (ts)",
                    backfillOutcomes());
        }
        String id = this == TIDB ? "id BIGINT NOT NULL AUTO_RANDOM PRIMARY KEY" : "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
        String table = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
        return List.of(
                """
                CREATE TABLE IF NOT EXISTS keycycle_outcome_minute (
                  provider VARCHAR(64) NOT NULL,
                  model VARCHAR(191) NOT NULL,
                  outcome VARCHAR(16) NOT NULL,
                  minute BIGINT NOT NULL,
                  calls BIGINT NOT NULL,
                  tokens BIGINT NOT NULL,
                  PRIMARY KEY (provider, model, outcome, minute),
                  KEY idx_keycycle_outcome_minute_minute (minute))""" + table,
                """
                CREATE TABLE IF NOT EXISTS keycycle_state_history (
                  %s,
                  event_id VARCHAR(64) NOT NULL,
                  provider VARCHAR(64) NOT NULL,
                  level VARCHAR(16) NOT NULL,
                  subject VARCHAR(191) NOT NULL,
                  model VARCHAR(191) NOT NULL,
                  scope VARCHAR(191),
                  key_fp VARCHAR(64),
                  state VARCHAR(32) NOT NULL,
                  until_ms BIGINT,
                  reason VARCHAR(512),
                  at_ms BIGINT NOT NULL,
                  UNIQUE KEY uk_keycycle_state_history_event (event_id),
                  KEY idx_keycycle_state_history_at (at_ms))""".formatted(id) + table,
                """
                CREATE TABLE IF NOT EXISTS keycycle_fallback (
                  %s,
                  event_id VARCHAR(64) NOT NULL,
                  ts BIGINT NOT NULL,
                  target VARCHAR(191) NOT NULL,
                  from_provider VARCHAR(64) NOT NULL,
                  from_model VARCHAR(191) NOT NULL,
                  provider VARCHAR(64) NOT NULL,
                  model VARCHAR(191) NOT NULL,
                  UNIQUE KEY uk_keycycle_fallback_event (event_id),
                  KEY idx_keycycle_fallback_ts (ts))""".formatted(id) + table,
                backfillOutcomes());
    }

    /**
     * Version 3: drops {@code idx_keycycle_usage_key (provider, key_fp, ts)}. No query reads it (the
     * raw rows are read by time range: reports, pruning; per-key history comes from the per-minute
     * aggregate), and its entries, spread over every key, were most of the cost of inserting a usage
     * row. On the MySQL family a re-run finds it gone already (error 1091), which {@link Schema} accepts.
     */
    List<String> schemaV3() {
        return List.of(this == SQLITE
                ? "DROP INDEX IF EXISTS idx_keycycle_usage_key"
                : "ALTER TABLE keycycle_usage DROP INDEX idx_keycycle_usage_key");
    }

    /**
     * Version 4: the learned-limit table in the schema, with binary (case-sensitive) names as every
     * other table has. Created before by {@link LearnedLimits} with the server's default collation,
     * which on MySQL and MariaDB ignores case: two models whose ids differ only in case shared a row.
     */
    List<String> schemaV4() {
        String create = LearnedLimits.DDL;
        return this == SQLITE ? List.of(create)
                : List.of(create + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
                        "ALTER TABLE " + LearnedLimits.TABLE + " CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    }

    /**
     * Fills the outcome aggregate from the raw rows a version-1 database already has; does nothing
     * when the aggregate has rows (a migration re-run after an interruption must not count twice).
     */
    private String backfillOutcomes() {
        String minute = this == SQLITE ? "(ts / 60000) * 60000" : "(ts DIV 60000) * 60000";
        return "INSERT INTO keycycle_outcome_minute (provider, model, outcome, minute, calls, tokens)"
                + " SELECT provider, model, " + OutcomeClass.sqlCase("outcome", "requests") + ", " + minute + ", SUM("
                + OutcomeClass.sqlCalls("outcome", "requests") + "), SUM(charged_tokens)"
                + " FROM keycycle_usage WHERE NOT EXISTS (SELECT 1 FROM keycycle_outcome_minute)"
                + " GROUP BY provider, model, " + OutcomeClass.sqlCase("outcome", "requests") + ", " + minute;
    }

    /** Adds to the per-minute outcome aggregate. 6 parameters per row; a key repeats only with zero sums (the writer's padding). */
    String upsertOutcomeMinute(int rows) {
        String head = "INSERT INTO keycycle_outcome_minute (provider, model, outcome, minute, calls, tokens) VALUES "
                + values(rows, 6);
        return this == SQLITE
                ? head + " ON CONFLICT (provider, model, outcome, minute) DO UPDATE SET"
                  + " calls = calls + excluded.calls, tokens = tokens + excluded.tokens"
                : head + " ON DUPLICATE KEY UPDATE calls = calls + VALUES(calls), tokens = tokens + VALUES(tokens)";
    }

    /** Appends state changes, skipping event ids already present. 11 parameters per row. */
    String insertStateHistory(int rows) {
        String head = (this == SQLITE ? "INSERT" : "INSERT IGNORE")
                + " INTO keycycle_state_history (event_id, provider, level, subject, model, scope, key_fp, state, until_ms,"
                + " reason, at_ms) VALUES " + values(rows, 11);
        return head + (this == SQLITE ? " ON CONFLICT (event_id) DO NOTHING" : "");
    }

    /** Appends fallbacks, skipping event ids already present. 7 parameters per row. */
    String insertFallback(int rows) {
        String head = (this == SQLITE ? "INSERT" : "INSERT IGNORE")
                + " INTO keycycle_fallback (event_id, ts, target, from_provider, from_model, provider, model) VALUES " + values(rows, 7);
        return head + (this == SQLITE ? " ON CONFLICT (event_id) DO NOTHING" : "");
    }

    /** Database size in bytes of the keycycle tables (MySQL family); SQLite asks the pragmas. */
    String sizeQuery() {
        return this == SQLITE
                ? "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
                : "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables"
                  + " WHERE table_schema = DATABASE() AND table_name LIKE 'keycycle%'";
    }

    String createVersionTable() {
        return this == SQLITE
                ? "CREATE TABLE IF NOT EXISTS keycycle_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)"
                : "CREATE TABLE IF NOT EXISTS keycycle_schema_version (version INT NOT NULL PRIMARY KEY, description VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL) DEFAULT CHARSET=utf8mb4";
    }

    String insertVersion() {
        return (this == SQLITE ? "INSERT OR IGNORE" : "INSERT IGNORE")
                + " INTO keycycle_schema_version (version, description, applied_at) VALUES (?, ?, ?)";
    }

    /** Multi-row insert of usage rows that skips event ids already present. 12 parameters per row. */
    String insertUsage(int rows) {
        String head = (this == SQLITE ? "INSERT" : "INSERT IGNORE")
                + " INTO keycycle_usage (event_id, provider, scope, key_fp, model, ts, requests, prompt_tokens,"
                + " completion_tokens, charged_tokens, outcome, status) VALUES ";
        return head + values(rows, 12) + (this == SQLITE ? " ON CONFLICT (event_id) DO NOTHING" : "");
    }

    /** Adds to the per-minute aggregate. 6 parameters per row; a key repeats only with zero sums (the writer's padding). */
    String upsertMinute(int rows) {
        String head = "INSERT INTO keycycle_usage_minute (provider, key_fp, model, minute, requests, tokens) VALUES "
                + values(rows, 6);
        return this == SQLITE
                ? head + " ON CONFLICT (provider, key_fp, model, minute) DO UPDATE SET"
                  + " requests = requests + excluded.requests, tokens = tokens + excluded.tokens"
                // TiDB accepts VALUES(col) but not the MySQL 8.0.19 "AS new" row alias.
                : head + " ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests), tokens = tokens + VALUES(tokens)";
    }

    /**
     * Upserts key states; a row only replaces an older one (by event time), so a late replay can
     * never resurrect a stale state. 10 parameters per row; a key repeats only as the same row (the writer's padding).
     */
    String upsertState(int rows) {
        String head = "INSERT INTO keycycle_key_state (provider, level, subject, model, scope, key_fp, state, until_ms,"
                + " reason, updated_at) VALUES " + values(rows, 10);
        if (this == SQLITE) {
            return head + " ON CONFLICT (provider, level, subject, model) DO UPDATE SET scope = excluded.scope,"
                    + " key_fp = excluded.key_fp, state = excluded.state, until_ms = excluded.until_ms,"
                    + " reason = excluded.reason, updated_at = excluded.updated_at"
                    + " WHERE excluded.updated_at >= keycycle_key_state.updated_at";
        }
        StringBuilder sb = new StringBuilder(head).append(" ON DUPLICATE KEY UPDATE ");
        // MySQL evaluates assignments left to right: updated_at must come last.
        for (String c : List.of("scope", "key_fp", "state", "until_ms", "reason", "updated_at")) {
            sb.append(c).append(" = IF(VALUES(updated_at) >= updated_at, VALUES(").append(c).append("), ").append(c).append("), ");
        }
        return sb.substring(0, sb.length() - 2);
    }

    /** Integer day number (UTC) of an epoch-ms column. */
    String dayOf(String column) {
        return this == SQLITE ? "(" + column + " / 86400000)" : "(" + column + " DIV 86400000)";
    }

    /** Deletes at most {@code limit} rows of {@code table} with {@code column < ?}. */
    String deleteOlder(String table, String column, int limit) {
        return this == SQLITE
                ? "DELETE FROM " + table + " WHERE rowid IN (SELECT rowid FROM " + table + " WHERE " + column + " < ? LIMIT " + limit + ")"
                : "DELETE FROM " + table + " WHERE " + column + " < ? LIMIT " + limit;
    }

    static String values(int rows, int columns) {
        StringBuilder one = new StringBuilder("(");
        for (int c = 0; c < columns; c++) one.append(c == 0 ? "?" : ", ?");
        one.append(')');
        StringBuilder sb = new StringBuilder(rows * one.length() + rows * 2);
        for (int r = 0; r < rows; r++) {
            if (r > 0) sb.append(", ");
            sb.append(one);
        }
        return sb.toString();
    }
}
