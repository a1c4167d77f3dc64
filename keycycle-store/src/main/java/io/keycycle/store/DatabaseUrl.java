package io.keycycle.store;

import io.keycycle.core.ConfigurationException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A database location, parsed from one of the accepted URL forms and split into a JDBC URL
 * <em>without</em> credentials, the credentials, and driver properties. {@link #toString()} is
 * {@link #redacted()}: the password never reaches a log line or an exception message.
 *
 * <p>Accepted forms:
 * <ul>
 *   <li>{@code jdbc:sqlite:./keycycle.db} and SQLAlchemy's {@code sqlite:///relative.db} /
 *       {@code sqlite:////absolute.db} (in-memory SQLite is refused: each pooled connection would
 *       get its own empty database);</li>
 *   <li>{@code jdbc:mysql://[user[:pass]@]host[:port]/db[?props]}, {@code jdbc:mariadb://…}
 *       (served by MySQL Connector/J);</li>
 *   <li>{@code mysql://…}, {@code mariadb://…} and the SQLAlchemy forms {@code mysql+pymysql://…},
 *       {@code mysql+mysqldb://…}, {@code mysql+mysqlconnector://…}, {@code mariadb+pymysql://…}.
 *       Their query parameters are pymysql's: {@code ssl_ca=/path/ca.pem} turns on TLS with
 *       {@code sslMode=VERIFY_IDENTITY} against that CA bundle (converted to a PKCS12 trust store on
 *       open, since Connector/J reads only JKS/PKCS12), {@code ssl_verify_identity=false} relaxes it
 *       to {@code VERIFY_CA}, {@code ssl_verify_cert=false} to {@code REQUIRED};
 *       {@code ssl_mode}/{@code sslMode} is passed through. Other pymysql parameters
 *       ({@code charset}, …) are dropped: the connection is always utf8mb4.</li>
 * </ul>
 *
 * @param kind             which SQL dialect family
 * @param jdbcUrl          the JDBC URL, never containing credentials
 * @param user             user name, or null
 * @param password         password, or null; never printed
 * @param caPem            a PEM CA bundle to trust (from {@code ssl_ca}), or null
 */
public record DatabaseUrl(Kind kind, String jdbcUrl, String user, String password, Path caPem) {

    /** The default when no URL is configured: an embedded SQLite file in the working directory. */
    public static final String DEFAULT_URL = "jdbc:sqlite:./keycycle.db";

    /** Dialect family. TiDB is detected at connect time within {@link #MYSQL}. */
    public enum Kind { SQLITE, MYSQL }

    /**
     * Driver properties whose value is a secret: any name containing password/passwd/secret, or ending
     * in pwd. The value is masked up to the next property: a bare '#' in it is part of the secret (until
     * 2026-12-04 what followed it was shown).
     */
    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("(?i)([?&;][^=&;#?\\s]*(?:password|passwd|secret|pwd)[^=&;#?\\s]*=)[^&;\\s\"']*");

    /**
     * Parses any accepted form.
     *
     * @throws ConfigurationException naming the (redacted) URL and what is wrong with it
     */
    public static DatabaseUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new ConfigurationException("database URL is empty; expected e.g. " + DEFAULT_URL
                    + " or mysql+pymysql://user:pass@host:4000/db?ssl_ca=/path/ca.pem");
        }
        String u = url.trim();
        String lower = u.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:sqlite:")) {
            return sqlite(u.substring("jdbc:sqlite:".length()), url);
        }
        if (lower.startsWith("sqlite://")) {
            String rest = u.substring("sqlite://".length());
            if (!rest.startsWith("/")) throw bad(url, "SQLAlchemy sqlite URLs look like sqlite:///file.db");
            return sqlite(rest.substring(1), url);
        }
        if (lower.startsWith("jdbc:mysql://") || lower.startsWith("jdbc:mariadb://")) {
            return mysql(u.substring(u.indexOf("://") + 3), url, true);
        }
        int scheme = u.indexOf("://");
        if (scheme > 0) {
            String s = lower.substring(0, scheme);
            if (s.equals("mysql") || s.equals("mariadb") || s.startsWith("mysql+") || s.startsWith("mariadb+")) {
                return mysql(u.substring(scheme + 3), url, false);
            }
        }
        throw bad(url, "unsupported scheme; expected jdbc:sqlite:, sqlite:///, jdbc:mysql://, jdbc:mariadb://, "
                + "mysql://, mariadb:// or mysql+pymysql://");
    }

    /** Masks the password of any URL-ish string, parseable or not. Use in every message. */
    public static String redact(String url) {
        if (url == null) return null;
        return PASSWORD_PARAM.matcher(maskUserInfo(url)).replaceAll("$1***");
    }

    /**
     * Masks the password of every {@code //user:password@host} in {@code text}. The password may
     * itself contain {@code /}, {@code @} or {@code :} (as the parser allows), so the user info ends
     * at the last {@code @} of the URL (the URL ends at whitespace or a quote); when in doubt more
     * is masked, never less.
     */
    private static String maskUserInfo(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int from = 0;
        while (true) {
            int slashes = text.indexOf("//", from);
            if (slashes < 0) break;
            int start = slashes + 2;
            int end = start;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && "\"'<>`".indexOf(text.charAt(end)) < 0) end++;
            int at = text.lastIndexOf('@', end - 1);
            int firstAt = text.indexOf('@', start);
            int colon = text.indexOf(':', start);
            if (at >= start && colon >= start && colon < firstAt) {
                out.append(text, from, colon + 1).append("***@");
                from = at + 1;
            } else {
                out.append(text, from, start);
                from = start;
            }
        }
        return out.append(text, from, text.length()).toString();
    }

    /** The JDBC URL with the user and a masked password, for logs and errors. */
    public String redacted() {
        if (user == null) return redact(jdbcUrl);
        int i = jdbcUrl.indexOf("://");
        return redact(jdbcUrl.substring(0, i + 3) + user + (password == null ? "" : ":***") + "@" + jdbcUrl.substring(i + 3));
    }

    /** For SQLite: the database file (null for other kinds). */
    public Path sqliteFile() {
        if (kind != Kind.SQLITE) return null;
        String p = jdbcUrl.substring("jdbc:sqlite:".length());
        int q = p.indexOf('?');
        if (q >= 0) p = p.substring(0, q);
        if (p.startsWith("file:")) p = p.substring(5);
        return Path.of(p);
    }

    @Override public String toString() { return redacted(); }

    private static DatabaseUrl sqlite(String path, String original) {
        String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        if (bare.isEmpty() || bare.contains(":memory:") || bare.contains("mode=memory")) {
            throw bad(original, "in-memory SQLite is not supported (every pooled connection would see its own "
                    + "empty database); use a file such as jdbc:sqlite:./keycycle.db");
        }
        return new DatabaseUrl(Kind.SQLITE, "jdbc:sqlite:" + path, null, null, null);
    }

    private static DatabaseUrl mysql(String rest, String original, boolean jdbc) {
        String query = "";
        int q = rest.indexOf('?');
        int at = -1;
        int inPassword = q >= 0 ? userInfoEndPast(rest, q) : -1;
        if (inPassword >= 0) {
            // The '?' is inside the user info (SQLAlchemy takes a password up to its '@': "pa?ss" needs no
            // escaping there); the query starts after the host and database.
            at = inPassword;
            q = rest.indexOf('?', at);
        }
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String user = null;
        String password = null;
        if (inPassword < 0) at = rest.lastIndexOf('@');
        if (at >= 0) {
            String info = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = info.indexOf(':');
            user = decode(colon >= 0 ? info.substring(0, colon) : info);
            password = colon >= 0 ? decode(info.substring(colon + 1)) : null;
        }
        int slash = rest.indexOf('/');
        String hostPort = slash >= 0 ? rest.substring(0, slash) : rest;
        String db = slash >= 0 ? rest.substring(slash + 1) : "";
        if (hostPort.isEmpty()) throw bad(original, "no host");
        if (db.isEmpty() || db.contains("/")) throw bad(original, "no database name after the host (…/dbname)");
        if (!hostPort.contains(":") && !jdbc) hostPort = hostPort + ":3306";

        // Values as written: a jdbc: URL's properties go to Connector/J, which decodes them itself
        // (decoded and written back, a %26 became a bare '&' that cut the value in two).
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("[&;]")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            params.put(eq >= 0 ? pair.substring(0, eq) : pair, eq >= 0 ? pair.substring(eq + 1) : "");
        }
        String pUser = remove(params, "user");
        String pPassword = remove(params, "password");
        if (user == null && pUser != null) user = decode(pUser);
        if (password == null && pPassword != null) password = decode(pPassword);

        Map<String, String> props = new LinkedHashMap<>();
        Path caPem = null;
        if (jdbc) {
            props.putAll(params);
        } else {
            params.replaceAll((name, value) -> decode(value)); // pymysql's arguments, read here
            String ca = remove(params, "ssl_ca");
            String verifyCert = remove(params, "ssl_verify_cert");
            String verifyIdentity = remove(params, "ssl_verify_identity");
            String mode = remove(params, "ssl_mode");
            if (mode == null) mode = remove(params, "sslMode");
            if (ca != null && !ca.isBlank()) {
                caPem = Path.of(ca);
                mode = isFalse(verifyCert) ? "REQUIRED" : isFalse(verifyIdentity) ? "VERIFY_CA" : "VERIFY_IDENTITY";
            } else if (mode == null && (verifyCert != null || verifyIdentity != null || "true".equalsIgnoreCase(remove(params, "ssl")))) {
                mode = isFalse(verifyCert) ? "REQUIRED" : isFalse(verifyIdentity) ? "VERIFY_CA" : "VERIFY_IDENTITY";
            }
            if (mode != null) props.put("sslMode", mode.toUpperCase(Locale.ROOT));
            // Remaining pymysql arguments (charset, connect_timeout, …) have no Connector/J meaning.
        }
        StringBuilder url = new StringBuilder("jdbc:mysql://").append(hostPort).append('/').append(db);
        String sep = "?";
        for (var e : props.entrySet()) {
            url.append(sep).append(e.getKey()).append('=').append(e.getValue());
            sep = "&";
        }
        return new DatabaseUrl(Kind.MYSQL, url.toString(), user, password, caPem);
    }

    /**
     * When the text before the first '?' (at {@code q}) cannot be {@code [user info@]host[:port]/db} (no
     * database after a host, or a port that is not a number), the '?' belongs to the password: returns
     * the first '@' after it that is followed by {@code host[:port]/db}, else -1 (the old reading stands).
     */
    private static int userInfoEndPast(String rest, int q) {
        String before = rest.substring(0, q);
        if (hostAndDatabase(before.substring(before.lastIndexOf('@') + 1))) return -1;
        for (int i = rest.indexOf('@', q); i >= 0; i = rest.indexOf('@', i + 1)) {
            String after = rest.substring(i + 1);
            int next = after.indexOf('?');
            if (hostAndDatabase(next >= 0 ? after.substring(0, next) : after)) return i;
        }
        return -1;
    }

    /** {@code host[:port]/db}: a host without '@', a numeric port if any, one database name. */
    private static boolean hostAndDatabase(String s) {
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1 || s.indexOf('/', slash + 1) >= 0) return false;
        String hostPort = s.substring(0, slash);
        if (hostPort.contains("@")) return false;
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0 || hostPort.endsWith("]")) return true;
        return colon < hostPort.length() - 1 && hostPort.substring(colon + 1).chars().allMatch(Character::isDigit);
    }

    private static String remove(Map<String, String> params, String name) {
        for (var it = params.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                it.remove();
                return e.getValue();
            }
        }
        return null;
    }

    private static boolean isFalse(String v) {
        return v != null && (v.equalsIgnoreCase("false") || v.equals("0") || v.equalsIgnoreCase("no"));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) { // its message quotes the characters after the '%': a password's
            throw new ConfigurationException("bad database URL: a '%' in the user, the password or a parameter is not "
                    + "followed by two hex digits; write a literal '%' as %25");
        }
    }

    private static ConfigurationException bad(String url, String why) {
        return new ConfigurationException("bad database URL " + redact(url) + ": " + why);
    }
}
