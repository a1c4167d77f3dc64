package io.keycycle.core.config;

/**
 * {@code database.url} from the file: a JDBC URL or the SQLAlchemy form the Python library used;
 * the store module interprets it. Null when the file does not set it (then the environment's
 * {@code KEYCYCLE_DB_URL}/{@code TIDB_DB_URL}, then embedded SQLite, decide).
 */
public record DatabaseConfig(String url) {

    public static final DatabaseConfig DEFAULT = new DatabaseConfig(null);

    /** Hides a password in the URL ({@code user:***@host}, {@code password=***}). */
    @Override public String toString() {
        if (url == null) return "DatabaseConfig[url=null]";
        String masked = url.replaceAll("(//[^/:@]+:)[^@/]*@", "$1***@").replaceAll("(?i)(password=)[^&;]*", "$1***");
        return "DatabaseConfig[url=" + masked + "]";
    }
}
