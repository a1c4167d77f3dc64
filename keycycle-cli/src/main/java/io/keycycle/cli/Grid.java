package io.keycycle.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows under named columns, printed as an aligned table (numbers right-aligned), as CSV (RFC 4180
 * quoting), or turned into JSON objects. A null cell prints as {@code -} in a table, empty in CSV
 * and {@code null} in JSON.
 */
final class Grid {

    /** Words that may stand in a numeric column without making it a text column. */
    private static final java.util.Set<Object> NUMERIC_WORDS = java.util.Set.of("unlimited", "", "-");

    private final List<String> columns;
    private final List<Object[]> rows = new ArrayList<>();

    Grid(String... columns) { this.columns = List.of(columns); }

    Grid row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("row has " + cells.length + " cells for " + columns.size() + " columns " + columns);
        }
        rows.add(cells.clone());
        return this;
    }

    boolean isEmpty() { return rows.isEmpty(); }

    int size() { return rows.size(); }

    void print(OutputFormat format, PrintWriter out) {
        switch (format) {
            case TABLE -> printTable(out, "");
            case CSV -> printCsv(out);
            case JSON -> Json.print(out, toMaps());
        }
    }

    /** Columns padded to their widest cell, two spaces apart; every line starts with {@code indent}. */
    void printTable(PrintWriter out, String indent) {
        int[] width = new int[columns.size()];
        boolean[] numeric = new boolean[columns.size()];
        boolean[] words = new boolean[columns.size()];
        for (int c = 0; c < columns.size(); c++) width[c] = columns.get(c).length();
        for (Object[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], tableCell(r[c]).length());
                if (r[c] instanceof Number) numeric[c] = true;
                else if (r[c] != null && !NUMERIC_WORDS.contains(r[c])) words[c] = true;
            }
        }
        for (int c = 0; c < numeric.length; c++) numeric[c] &= !words[c];
        line(out, indent, columns.toArray(), width, numeric);
        for (Object[] r : rows) line(out, indent, r, width, numeric);
    }

    private static void line(PrintWriter out, String indent, Object[] cells, int[] width, boolean[] numeric) {
        StringBuilder sb = new StringBuilder(indent);
        for (int c = 0; c < cells.length; c++) {
            String s = tableCell(cells[c]);
            boolean last = c == cells.length - 1;
            if (numeric[c]) {
                sb.append(" ".repeat(width[c] - s.length())).append(s);
            } else {
                sb.append(s);
                if (!last) sb.append(" ".repeat(width[c] - s.length()));
            }
            if (!last) sb.append("  ");
        }
        out.println(sb.toString().stripTrailing());
    }

    private static String tableCell(Object v) { return v == null ? "-" : v.toString(); }

    void printCsv(PrintWriter out) {
        out.println(csvLine(columns.toArray()));
        for (Object[] r : rows) out.println(csvLine(r));
    }

    private static String csvLine(Object[] cells) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) sb.append(',');
            String s = cells[c] == null ? "" : cells[c].toString();
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                s = '"' + s.replace("\"", "\"\"") + '"';
            }
            sb.append(s);
        }
        return sb.toString();
    }

    /** One map per row, keyed by the column names in lower camel case ({@code REQUESTS TODAY} → {@code requestsToday}). */
    List<Map<String, Object>> toMaps() {
        List<String> keys = columns.stream().map(Grid::jsonName).toList();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object[] r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int c = 0; c < r.length; c++) m.put(keys.get(c), jsonValue(r[c]));
            out.add(m);
        }
        return out;
    }

    private static Object jsonValue(Object v) {
        return v == null || v instanceof Number || v instanceof Boolean || v instanceof String ? v : v.toString();
    }

    static String jsonName(String column) {
        String[] parts = column.trim().toLowerCase(java.util.Locale.ROOT).split("[ _-]+");
        StringBuilder sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.length; i++) {
            if (!parts[i].isEmpty()) sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
        }
        return sb.toString();
    }
}
