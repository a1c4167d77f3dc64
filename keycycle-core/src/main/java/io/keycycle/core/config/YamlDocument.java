package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML text composed into a node tree (never into Java objects), with {@code ${VAR}} and
 * {@code ${VAR:-default}} references resolved from an environment map.
 *
 * <p>References are swapped for inert placeholder tokens <em>before</em> parsing and resolved in
 * scalar values afterwards. So a value may hold any character without breaking the YAML
 * ({@code tokens: [${TOKEN}]} works although {@code {} } are flow indicators), a reference inside a
 * comment is ignored, and an unset variable is reported with its line only where it is used.
 * {@code $${} writes a literal {@code ${}.
 */
final class YamlDocument {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$\\{|\\$\\{([^}\\n]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("__KEYCYCLE_REF_(\\d+)__");

    private record Reference(String name, String fallback, int line) {}

    private final String source;
    private final Node root;
    private final List<Reference> references;
    private final Map<String, String> env;

    private YamlDocument(String source, Node root, List<Reference> references, Map<String, String> env) {
        this.source = source;
        this.root = root;
        this.references = references;
        this.env = env;
    }

    /**
     * Composes {@code text}. Syntax errors and malformed references are thrown at once as a
     * {@link ConfigurationException} naming the source and line.
     */
    static YamlDocument parse(String text, Map<String, String> env, String source) {
        List<Reference> refs = new ArrayList<>();
        String prepared = replaceReferences(text, refs, source);
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(30);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Node root;
        try {
            root = yaml.compose(new StringReader(prepared));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigurationException(source + " line " + line + ": invalid YAML: " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new ConfigurationException(source + ": invalid YAML: " + e.getMessage(), e);
        }
        return new YamlDocument(source, root, List.copyOf(refs), env);
    }

    private static String replaceReferences(String text, List<Reference> refs, String source) {
        StringBuilder out = new StringBuilder(text.length());
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) out.append('\n');
            Matcher m = REFERENCE.matcher(lines[i]);
            int last = 0;
            while (m.find()) {
                out.append(lines[i], last, m.start());
                last = m.end();
                if (m.group(1) == null) {          // "$${" escape
                    out.append("$${");
                    continue;
                }
                String body = m.group(1);
                int sep = body.indexOf(":-");
                String name = sep < 0 ? body : body.substring(0, sep);
                if (!NAME.matcher(name).matches()) {
                    throw new ConfigurationException(source + " line " + (i + 1) + ": '${" + body
                            + "}' is not a valid reference; expected ${NAME} or ${NAME:-default}");
                }
                refs.add(new Reference(name, sep < 0 ? null : body.substring(sep + 2), i + 1));
                out.append("__KEYCYCLE_REF_").append(refs.size() - 1).append("__");
            }
            out.append(lines[i], last, lines[i].length());
        }
        return out.toString();
    }

    String source() { return source; }

    /** The root node; null for an empty document. */
    Node root() { return root; }

    /**
     * Resolves references in a scalar's text. An unset variable without a default is added to
     * {@code problems} (naming the variable, the path and the line) and yields null.
     */
    String resolve(String raw, String path, Problems problems) {
        if (raw == null) return null;
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder sb = new StringBuilder();
        boolean missing = false;
        int last = 0;
        while (m.find()) {
            sb.append(raw.substring(last, m.start()).replace("$${", "${"));
            last = m.end();
            Reference ref = references.get(Integer.parseInt(m.group(1)));
            String value = env.get(ref.name());
            if (value == null) value = ref.fallback();
            if (value == null) {
                problems.add(ref.line(), path + ": environment variable " + ref.name()
                        + " is not set; set it or write ${" + ref.name() + ":-default}");
                missing = true;
            } else {
                sb.append(value);               // values are taken literally, never re-scanned
            }
        }
        sb.append(raw.substring(last).replace("$${", "${"));
        return missing ? null : sb.toString();
    }
}
