package io.keycycle.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The findings of a key loading, in the order found. Immutable. */
public final class ValidationReport {

    private final List<Finding> findings;

    public ValidationReport(List<Finding> findings) { this.findings = List.copyOf(findings); }

    public List<Finding> findings() { return findings; }

    public boolean hasErrors() { return count(Finding.Severity.ERROR) > 0; }

    public List<Finding> errors() { return of(Finding.Severity.ERROR); }

    public List<Finding> warnings() { return of(Finding.Severity.WARNING); }

    /** Findings with a code (tests, CLI filters). */
    public List<Finding> findings(Finding.Code code) {
        return findings.stream().filter(f -> f.code() == code).toList();
    }

    public boolean has(Finding.Code code) { return findings.stream().anyMatch(f -> f.code() == code); }

    /**
     * Text for {@code keycycle check}: findings grouped by provider, then one summary line.
     * <pre>
     * groq
     *   INFO     loaded          15 keys (NUM_GROQ=16)
     *   WARNING  gap             missing GROQ_API_KEY_3
     * 0 errors, 1 warning
     * </pre>
     */
    public String format() {
        Map<String, List<Finding>> byProvider = new LinkedHashMap<>();
        for (Finding f : findings) {
            byProvider.computeIfAbsent(f.provider() == null ? "(environment)" : f.provider(), k -> new ArrayList<>()).add(f);
        }
        StringBuilder sb = new StringBuilder();
        byProvider.forEach((provider, list) -> {
            sb.append(provider).append('\n');
            for (Finding f : list) {
                sb.append(String.format("  %-8s %-16s %s%n", f.severity(), f.code().id(), f.message()));
            }
        });
        long e = count(Finding.Severity.ERROR), w = count(Finding.Severity.WARNING);
        sb.append(e).append(e == 1 ? " error, " : " errors, ").append(w).append(w == 1 ? " warning" : " warnings");
        return sb.toString();
    }

    private List<Finding> of(Finding.Severity s) { return findings.stream().filter(f -> f.severity() == s).toList(); }

    private long count(Finding.Severity s) { return findings.stream().filter(f -> f.severity() == s).count(); }

    @Override public String toString() { return "ValidationReport" + findings; }
}
