package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code .env} file. The syntax is the common one (python-dotenv, docker compose):
 * {@code NAME=value} lines; blank lines and {@code #} comments are skipped; an optional
 * {@code export } prefix; spaces around {@code =}; unquoted values are trimmed and lose a
 * trailing {@code  # comment}; {@code 'single'} quotes are literal; {@code "double"} quotes
 * understand {@code \n \t \r \" \\} and may span lines. A later definition of a name wins.
 * {@code ${VAR}} inside values is <em>not</em> expanded.
 *
 * <p>Problems (a line without {@code =}, an unterminated quote) are collected as warnings naming the
 * line only, never its content, which could hold a secret.
 */
public final class DotEnv {

    private final String source;
    private final Map<String, String> values;
    private final List<String> warnings;

    private DotEnv(String source, Map<String, String> values, List<String> warnings) {
        this.source = source;
        this.values = Collections.unmodifiableMap(values);
        this.warnings = List.copyOf(warnings);
    }

    /** An absent file. */
    public static DotEnv empty() { return new DotEnv("(no .env)", new LinkedHashMap<>(), List.of()); }

    /** Reads {@code file}; a file that does not exist gives {@link #empty()}. */
    public static DotEnv read(Path file) {
        if (file == null || !Files.exists(file)) return empty();
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new ConfigurationException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code text}; a leading byte-order mark (Windows editors write one) is not part of the first name. */
    public static DotEnv parse(String text, String source) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return new Parser(t.replace("\r\n", "\n"), source).parse();
    }

    public String source() { return source; }

    /** Names to values, in file order. */
    public Map<String, String> values() { return values; }

    /**
     * The variables Keycycle reads when this file sits beside {@code env}: every name of either, and
     * {@code env}'s value where both set one (the real environment wins over the file).
     */
    public Map<String, String> under(Map<String, String> env) {
        Map<String, String> vars = new LinkedHashMap<>(values);
        vars.putAll(env);
        return vars;
    }

    /** One message per problem line, e.g. {@code .env line 4: expected NAME=value}. */
    public List<String> warnings() { return warnings; }

    @Override public String toString() { return "DotEnv[" + source + ", " + values.size() + " names]"; }

    private static final class Parser {
        private final String s;
        private final String source;
        private int pos;
        private int line = 1;
        private final Map<String, String> values = new LinkedHashMap<>();
        private final List<String> warnings = new ArrayList<>();

        Parser(String s, String source) { this.s = s; this.source = source; }

        DotEnv parse() {
            while (pos < s.length()) statement();
            return new DotEnv(source, values, warnings);
        }

        private void statement() {
            int startLine = line;
            skipBlanks();
            if (pos >= s.length()) return;
            char c = s.charAt(pos);
            if (c == '\n') { newline(); return; }
            if (c == '#') { skipLine(); return; }
            if (s.startsWith("export", pos) && pos + 6 < s.length() && (s.charAt(pos + 6) == ' ' || s.charAt(pos + 6) == '\t')) {
                pos += 6;
                skipBlanks();
            }
            int nameStart = pos;
            while (pos < s.length() && isNameChar(s.charAt(pos))) pos++;
            String name = s.substring(nameStart, pos);
            skipBlanks();
            if (name.isEmpty() || Character.isDigit(name.charAt(0)) || pos >= s.length() || s.charAt(pos) != '=') {
                warn(startLine, "expected NAME=value");
                skipLine();
                return;
            }
            pos++; // '='
            int valueStart = pos;
            skipBlanks();
            boolean spaced = pos > valueStart;
            String value;
            if (pos < s.length() && (s.charAt(pos) == '"' || s.charAt(pos) == '\'')) {
                value = quoted(s.charAt(pos), startLine);
                if (value == null) return;
                skipBlanks();
                if (pos < s.length() && s.charAt(pos) != '\n' && s.charAt(pos) != '#') {
                    warn(line, "text after the closing quote ignored");
                }
                skipLine();
            } else {
                int end = s.indexOf('\n', pos);
                if (end < 0) end = s.length();
                String raw = s.substring(pos, end);
                pos = end;
                value = stripComment(raw, spaced).trim();
                skipLine();
            }
            values.put(name, value);
        }

        private String quoted(char quote, int startLine) {
            pos++; // opening quote
            StringBuilder sb = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == quote) return sb.toString();
                if (c == '\n') line++;
                if (c == '\\' && quote == '"' && pos < s.length()) {
                    char e = s.charAt(pos++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case '"', '\\', '$' -> sb.append(e);
                        default -> sb.append('\\').append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
            warn(startLine, "unterminated " + (quote == '"' ? "double" : "single") + " quote; the rest of the file is ignored");
            return null;
        }

        /** Cuts a comment: {@code #} after whitespace ({@code A=b # c}, {@code A= # c}), not {@code A=b#c}. */
        private static String stripComment(String raw, boolean spacedBefore) {
            for (int i = 0; i < raw.length(); i++) {
                boolean afterSpace = i == 0 ? spacedBefore : raw.charAt(i - 1) == ' ' || raw.charAt(i - 1) == '\t';
                if (raw.charAt(i) == '#' && afterSpace) {
                    return raw.substring(0, i);
                }
            }
            return raw;
        }

        private static boolean isNameChar(char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
        }

        private void skipBlanks() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) pos++;
        }

        private void skipLine() {
            while (pos < s.length() && s.charAt(pos) != '\n') pos++;
            if (pos < s.length()) newline();
        }

        private void newline() { pos++; line++; }

        private void warn(int atLine, String message) { warnings.add(source + " line " + atLine + ": " + message); }
    }
}
