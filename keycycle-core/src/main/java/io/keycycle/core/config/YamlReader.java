package io.keycycle.core.config;

import io.keycycle.core.Limits;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, strict reading of a composed YAML tree. Every value is interpreted by the schema that
 * asks for it (a port is read as a number, a model id as text, whatever YAML would have guessed),
 * and every problem is recorded with its dotted path and line; readers return null after one.
 */
final class YamlReader {

    private static final String YAML_TAG_PREFIX = "tag:yaml.org,2002:";

    private final YamlDocument doc;
    private final Problems problems;

    YamlReader(YamlDocument doc, Problems problems) {
        this.doc = doc;
        this.problems = problems;
    }

    Problems problems() { return problems; }

    static int line(Node node) { return node == null ? 0 : node.getStartMark().getLine() + 1; }

    void problem(Node at, String message) { problems.add(line(at), message); }

    /**
     * The entries of a mapping in file order. With {@code allowed} non-null, an unknown key is a
     * problem listing the allowed keys (and the nearest one, for typos). A null node (an empty
     * value) reads as an empty mapping.
     */
    Map<String, Node> mapping(Node node, String path, Set<String> allowed) {
        Map<String, Node> out = new LinkedHashMap<>();
        if (node == null || isNull(node)) return out;
        if (!(node instanceof MappingNode map)) {
            problem(node, display(path) + " must be a mapping (key: value), was " + kind(node));
            return out;
        }
        checkTag(node, path);
        for (NodeTuple t : map.getValue()) {
            Node keyNode = t.getKeyNode();
            if (!(keyNode instanceof ScalarNode sk)) {
                problem(keyNode, display(path) + ": keys must be plain text, found " + kind(keyNode));
                continue;
            }
            String key = doc.resolve(sk.getValue(), child(path, sk.getValue()), problems);
            if (key == null) continue;
            if (allowed != null && !allowed.contains(key)) {
                problem(keyNode, "unknown key '" + key + "' at " + display(path) + suggestion(key, allowed)
                        + "; allowed: " + String.join(", ", new TreeSet<>(allowed)));
                continue;
            }
            if (out.containsKey(key)) {
                problem(keyNode, display(path) + ": duplicate key '" + key + "'");
                continue;
            }
            out.put(key, t.getValueNode());
        }
        return out;
    }

    /** The items of a sequence; a null node reads as an empty list. */
    List<Node> sequence(Node node, String path) {
        if (node == null || isNull(node)) return List.of();
        if (!(node instanceof SequenceNode seq)) {
            problem(node, display(path) + " must be a list ([a, b] or '- a' lines), was " + kind(node));
            return List.of();
        }
        return seq.getValue();
    }

    /** Scalar text with references resolved; null when absent, null-valued or in error. */
    String string(Node node, String path) {
        if (node == null || isNull(node)) return null;
        if (!(node instanceof ScalarNode s)) {
            problem(node, display(path) + " must be a single value, was " + kind(node));
            return null;
        }
        checkTag(node, path);
        return doc.resolve(s.getValue(), path, problems);
    }

    /** Non-blank text, trimmed; a blank value is a problem. */
    String requiredText(Node node, String path) {
        String s = string(node, path);
        if (s != null && s.isBlank()) {
            problem(node, path + " must not be empty");
            return null;
        }
        return s == null ? null : s.trim();
    }

    Boolean bool(Node node, String path) {
        String s = string(node, path);
        if (s == null) return null;
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> {
                problem(node, path + " must be true or false, was '" + s + "'");
                yield null;
            }
        };
    }

    /** A whole number in {@code [min, max]}; {@code _} separators allowed. */
    Long number(Node node, String path, long min, long max) {
        String s = string(node, path);
        if (s == null || s.isBlank()) return null;
        Long v = parseAmount(s);
        if (v == null) {
            problem(node, path + " must be a whole number, was '" + s.trim() + "'");
            return null;
        }
        if (v < min) {
            problem(node, path + " must be >= " + min + ", was " + v);
            return null;
        }
        if (v > max) {
            problem(node, path + " must be <= " + max + ", was " + v);
            return null;
        }
        return v;
    }

    /**
     * A duration: {@code 500ms}, {@code 90s}, {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT2M}); must be
     * positive. Null when absent or in error (the problem names the key).
     */
    java.time.Duration duration(Node node, String path) {
        String s = string(node, path);
        if (s == null || s.isBlank()) return null;
        java.time.Duration d;
        try {
            d = Quantities.duration(s);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() != null && e.getMessage().contains("longer than") ? " (" + e.getMessage() + ")" : "";
            problem(node, path + " must be a duration such as 500ms, 90s, 2m, 1h or PT2M, was '" + s.trim() + "'" + why);
            return null;
        }
        if (d.isZero() || d.isNegative()) {
            problem(node, path + " must be > 0, was '" + s.trim() + "'");
            return null;
        }
        return d;
    }

    /**
     * A size in bytes in {@code [min, max]}: a whole number, or one with {@code KiB}, {@code MiB} or
     * {@code GiB} (powers of 1024). Null when absent or in error (the problem names the key).
     */
    Long bytes(Node node, String path, long min, long max) {
        String s = string(node, path);
        if (s == null || s.isBlank()) return null;
        long v;
        try {
            v = Quantities.bytes(s);
        } catch (IllegalArgumentException e) {
            problem(node, path + " must be a size in bytes such as 1048576, 512KiB, 32MiB or 1GiB, was '" + s.trim() + "'");
            return null;
        }
        if (v < min) {
            problem(node, path + " must be >= " + min + " bytes, was '" + s.trim() + "'");
            return null;
        }
        if (v > max) {
            problem(node, path + " must be <= " + max + " bytes, was '" + s.trim() + "'");
            return null;
        }
        return v;
    }

    /**
     * A limit: a whole number {@code >= 0} (with optional {@code K}/{@code M} suffix), or
     * {@code unlimited}/{@code none} for {@link Limits#NONE}. Null when absent (inherit).
     */
    Long limit(Node node, String path) {
        String s = string(node, path);
        if (s == null || s.isBlank()) return null;
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("unlimited") || t.equals("none")) return Limits.NONE;
        Long v = parseAmount(t);
        if (v == null) {
            problem(node, path + " must be a whole number >= 0 or 'unlimited', was '" + s.trim() + "'");
            return null;
        }
        if (v < 0) {
            problem(node, path + " must be >= 0, was " + v);
            return null;
        }
        return v;
    }

    /** The six limits of a mapping; {@code extra} keys are allowed and returned for the caller. */
    PartialLimits limits(Node node, String path, Set<String> extra, Map<String, Node> extraOut) {
        Set<String> allowed = new java.util.HashSet<>(PartialLimits.KEYS);
        allowed.addAll(extra);
        Map<String, Node> entries = mapping(node, path, allowed);
        Map<Limits.Metric, Long> values = new EnumMap<>(Limits.Metric.class);
        for (Map.Entry<String, Node> e : entries.entrySet()) {
            if (PartialLimits.KEYS.contains(e.getKey())) {
                Long v = limit(e.getValue(), child(path, e.getKey()));
                if (v != null) values.put(Limits.Metric.parse(e.getKey()), v);
            } else if (extraOut != null) {
                extraOut.put(e.getKey(), e.getValue());
            }
        }
        return new PartialLimits(values);
    }

    PartialLimits limits(Node node, String path) { return limits(node, path, Set.of(), null); }

    static String child(String path, String key) { return path.isEmpty() ? key : path + "." + key; }

    private static String display(String path) { return path.isEmpty() ? "the top level" : path; }

    private static Long parseAmount(String s) {
        String t = s.trim().replace("_", "");
        long factor = 1;
        if (t.endsWith("k") || t.endsWith("K")) { factor = 1_000; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("m") || t.endsWith("M")) { factor = 1_000_000; t = t.substring(0, t.length() - 1); }
        if (!t.matches("[+-]?\\d{1,15}")) return null;
        return Long.parseLong(t) * factor;
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    private void checkTag(Node node, String path) {
        Tag tag = node.getTag();
        if (tag != null && !tag.getValue().startsWith(YAML_TAG_PREFIX)) {
            problem(node, display(path) + ": YAML tags like '" + tag.getValue() + "' are not supported");
        }
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) return "a mapping";
        if (node instanceof SequenceNode) return "a list";
        return "a single value";
    }

    /** "; did you mean 'models'?" when one allowed key is within edit distance 2. */
    static String suggestion(String key, Set<String> allowed) {
        String best = null;
        int bestDistance = 3;
        for (String a : allowed) {
            int d = distance(key.toLowerCase(Locale.ROOT), a);
            if (d < bestDistance) { best = a; bestDistance = d; }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    static List<String> sorted(java.util.Collection<String> c) {
        List<String> l = new ArrayList<>(c);
        java.util.Collections.sort(l);
        return l;
    }
}
