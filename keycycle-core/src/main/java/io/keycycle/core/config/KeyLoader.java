package io.keycycle.core.config;

import io.keycycle.core.ApiKey;
import io.keycycle.core.config.Finding.Code;
import io.keycycle.core.config.Finding.Severity;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds API keys in the environment by the convention {@code NUM_<P>=n} and
 * {@code <P>_API_KEY_1..n}, with {@code <P>_SCOPE_<i>} (the organisation/project/account of key i)
 * and {@code <P>_BASE_URL}. {@code <P>} is the provider name upper-cased; any name works, and
 * names the catalog does not know are reported.
 *
 * <p><b>Sources.</b> The process environment is laid over the {@code .env} file: a variable set in
 * both takes the environment's value (unlike the Python library, whose {@code .env} overrode the
 * environment), so a deployment can override a checked-in file.
 *
 * <p><b>Which keys.</b> {@code NUM_<P>} is authoritative: indices 1..n are read; a missing one is
 * a gap (reported, the others still load) and indices above n are reported and ignored. Without
 * {@code NUM_<P>} every {@code <P>_API_KEY_<i>} found is used. A secret that appears twice within
 * a provider loads once. The scope of a key is {@code <P>_SCOPE_<i>}, else
 * {@code providers.<p>.keys.<k>.scope} of the YAML file, else the key's own fingerprint.
 *
 * <p>Nothing here throws for a bad set-up: everything lands in the {@link ValidationReport};
 * {@link LoadedKeys#orThrow()} turns its errors into an exception. Messages name variables and
 * fingerprints, never secrets.
 */
public final class KeyLoader {

    /** The largest {@code NUM_<P>} taken (a key count far beyond any real set-up). */
    static final int MAX_NUM = 100_000;

    private static final Pattern NUM = Pattern.compile("NUM_([A-Z][A-Z0-9_]*)");
    private static final Pattern KEY = Pattern.compile("([A-Z][A-Z0-9_]*)_API_KEY_(\\d+)");

    private final Catalog catalog;
    private final KeyChecks checks;

    /** A loader checking keys against {@code catalog} and its configuration (per-key scopes and entries). */
    public KeyLoader(Catalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        Map<String, String> prefixes = new HashMap<>();
        for (String p : catalog.providerNames()) catalog.keyPrefix(p).ifPresent(prefix -> prefixes.put(p, prefix));
        this.checks = new KeyChecks(prefixes);
    }

    /** Keys from {@code env} alone. */
    public LoadedKeys load(Map<String, String> env) { return load(env, DotEnv.empty()); }

    /** Keys from {@code env} laid over the {@code .env} file at {@code dotEnv} (absent file: env alone). */
    public LoadedKeys load(Map<String, String> env, Path dotEnv) { return load(env, DotEnv.read(dotEnv)); }

    /** Keys from {@code env} laid over {@code dotEnv}; {@code env} wins where both set a name. */
    public LoadedKeys load(Map<String, String> env, DotEnv dotEnv) {
        Run run = new Run(dotEnv.under(env));
        for (String w : dotEnv.warnings()) run.add(Severity.WARNING, null, Code.DOTENV_SYNTAX, w);
        return run.load();
    }

    /** One loading pass. */
    private final class Run {
        private final Map<String, String> vars;
        private final List<Finding> findings = new ArrayList<>();
        private final Map<String, List<ApiKey>> keys = new TreeMap<>();
        private final Map<String, URI> baseUrls = new TreeMap<>();

        Run(Map<String, String> vars) { this.vars = vars; }

        LoadedKeys load() {
            Map<String, String> nums = new TreeMap<>();
            Map<String, TreeMap<Integer, String>> indexed = new TreeMap<>();
            Map<String, String> nameOf = new HashMap<>(); // provider + index -> the variable whose value is used
            // in name order, so that which of two spellings of one index wins never depends on hashing
            for (Map.Entry<String, String> e : new TreeMap<>(vars).entrySet()) {
                Matcher n = NUM.matcher(e.getKey());
                if (n.matches()) nums.put(n.group(1).toLowerCase(Locale.ROOT), e.getValue());
                Matcher k = KEY.matcher(e.getKey());
                if (k.matches()) {
                    String provider = k.group(1).toLowerCase(Locale.ROOT);
                    int index = parseIndex(k.group(2));
                    if (index < 1) {
                        add(Severity.WARNING, provider, Code.BAD_INDEX, e.getKey() + " ignored: indices start at 1");
                    } else {
                        // GROQ_API_KEY_01 and GROQ_API_KEY_1 both name key 1: the plain spelling is used
                        String canonical = k.group(1) + "_API_KEY_" + index;
                        String other = nameOf.putIfAbsent(provider + "\u0000" + index, e.getKey());
                        if (other == null || e.getKey().equals(canonical)) {
                            if (other != null) nameOf.put(provider + "\u0000" + index, e.getKey());
                            indexed.computeIfAbsent(provider, p -> new TreeMap<>()).put(index, e.getValue());
                        }
                        if (other != null) {
                            String used = e.getKey().equals(canonical) ? e.getKey() : other;
                            String ignored = used.equals(e.getKey()) ? other : e.getKey();
                            add(Severity.WARNING, provider, Code.BAD_INDEX, ignored + " ignored: " + used
                                    + " gives key " + index + " too (values not shown)");
                        }
                    }
                }
            }
            TreeSet<String> providers = new TreeSet<>(indexed.keySet());
            // NUM_WORKERS=4 is not a provider: a NUM_ without keys counts only for catalog providers
            for (String p : nums.keySet()) if (catalog.has(p)) providers.add(p);
            for (String p : providers) {
                provider(p, nums.get(p), indexed.getOrDefault(p, new TreeMap<>()));
            }
            for (String p : catalog.providerNames()) {
                baseUrl(p);
                if (!keys.containsKey(p)) unindexed(p);
                keyReferences(p);
            }
            for (String p : providers) if (!catalog.has(p)) baseUrl(p);
            crossProviderDuplicates();
            return new LoadedKeys(keys, baseUrls, new ValidationReport(findings));
        }

        private void provider(String p, String numRaw, TreeMap<Integer, String> found) {
            String env = p.toUpperCase(Locale.ROOT);
            String numVar = "NUM_" + env;
            if (!catalog.has(p)) {
                add(Severity.WARNING, p, Code.UNKNOWN_PROVIDER, "provider '" + p + "' (" + env + "_API_KEY_<i>) is not in "
                        + "the catalog; add providers." + p + " with base-url and models to the YAML file to use it");
            }
            Integer num = null;
            if (numRaw != null) {
                try {
                    num = Integer.parseInt(numRaw.trim());
                    if (num < 0 || num > MAX_NUM) {
                        // above the bound the gaps' lists below would take minutes and gigabytes
                        add(Severity.ERROR, p, Code.NUM_INVALID, numVar + "=" + num + " must be from 0 to " + MAX_NUM);
                        num = null;
                    }
                } catch (NumberFormatException e) {
                    add(Severity.ERROR, p, Code.NUM_INVALID, numVar + " is not a whole number (value not shown); "
                            + "using every " + env + "_API_KEY_<i> found");
                }
            }
            List<Integer> indices = new ArrayList<>();
            if (num != null) {
                for (int i = 1; i <= num; i++) if (found.containsKey(i)) indices.add(i);
                List<Integer> missing = new ArrayList<>();
                for (int i = 1; i <= num; i++) if (!found.containsKey(i)) missing.add(i);
                List<Integer> extra = new ArrayList<>(found.tailMap(num, false).keySet());
                if (found.size() != num) {
                    add(Severity.WARNING, p, Code.COUNT_MISMATCH, numVar + "=" + num + " but " + found.size() + " "
                            + env + "_API_KEY_<i> " + (found.size() == 1 ? "is" : "are") + " set");
                }
                if (!missing.isEmpty()) {
                    add(Severity.WARNING, p, Code.GAP, "missing " + ranges(env, missing) + " (" + numVar + "=" + num
                            + "); the other keys still load");
                }
                if (!extra.isEmpty()) {
                    add(Severity.WARNING, p, Code.EXTRA_KEYS, ranges(env, extra) + " beyond " + numVar + "=" + num
                            + " ignored; raise " + numVar + " to use them");
                }
            } else {
                indices.addAll(found.keySet());
                if (numRaw == null && !found.isEmpty()) {
                    add(Severity.INFO, p, Code.NO_NUM, numVar + " is not set; using the " + found.size() + " "
                            + env + "_API_KEY_<i> found");
                }
                if (!found.isEmpty()) {
                    List<Integer> missing = new ArrayList<>();
                    for (int i = 1; i < found.lastKey(); i++) if (!found.containsKey(i)) missing.add(i);
                    if (!missing.isEmpty()) add(Severity.INFO, p, Code.GAP, "missing " + ranges(env, missing));
                }
            }
            List<ApiKey> loaded = new ArrayList<>();
            Map<String, ApiKey> byFingerprint = new HashMap<>();
            for (int i : indices) {
                String var = env + "_API_KEY_" + i;
                String secret = found.get(i);
                if (secret == null || secret.isBlank()) {
                    add(Severity.WARNING, p, Code.EMPTY_KEY, var + " is set but empty; skipped");
                    continue;
                }
                String unsendable = ApiKey.headerProblem(secret.trim());
                if (unsendable != null) {
                    String who = var + " (" + ApiKey.fingerprint(secret) + ")";
                    String placeholder = checks.placeholder(secret.trim());
                    if (placeholder != null) add(Severity.WARNING, p, Code.PLACEHOLDER, who + " looks like a placeholder: it " + placeholder);
                    add(Severity.WARNING, p, Code.KEY_CHARACTERS, who + " cannot be sent in an HTTP header: " + unsendable + "; skipped");
                    continue;
                }
                ApiKey key = key(p, env, i, secret.trim());
                ApiKey first = byFingerprint.putIfAbsent(key.fingerprint(), key);
                if (first != null) {
                    add(Severity.WARNING, p, Code.DUPLICATE, var + " (" + key.fingerprint() + ") is the same secret as "
                            + env + "_API_KEY_" + first.index() + "; loaded once");
                    continue;
                }
                shape(p, var, key);
                loaded.add(key);
            }
            if (!loaded.isEmpty()) keys.put(p, loaded);
            add(Severity.INFO, p, Code.LOADED, loaded.size() + (loaded.size() == 1 ? " key" : " keys") + " loaded"
                    + (num != null ? " (" + numVar + "=" + num + ")" : "") + scopesSummary(loaded));
        }

        private ApiKey key(String p, String env, int index, String secret) {
            String scope = vars.get(env + "_SCOPE_" + index);
            if (scope == null || scope.isBlank()) {
                ApiKey bare = new ApiKey(p, index, secret, null);
                scope = null;
                if (catalog.has(p)) {
                    for (KeyConfig kc : catalog.entry(p).keyEntries(bare)) {
                        if (kc.scope() != null) { scope = kc.scope(); break; }
                    }
                }
                if (scope == null) return bare;
            }
            return new ApiKey(p, index, secret, scope);
        }

        private void shape(String p, String var, ApiKey key) {
            String secret = key.secret();
            String who = var + " (" + key.fingerprint() + ")";
            String placeholder = checks.placeholder(secret);
            if (placeholder != null) {
                add(Severity.WARNING, p, Code.PLACEHOLDER, who + " looks like a placeholder: it " + placeholder);
            } else if (secret.length() < KeyChecks.MIN_LENGTH) {
                add(Severity.WARNING, p, Code.TOO_SHORT, who + " is " + secret.length() + " characters, shorter than "
                        + KeyChecks.MIN_LENGTH + "; is it complete?");
            }
            String other = checks.otherProviderByPrefix(p, secret);
            String prefix = checks.prefix(p);
            if (other != null && (prefix == null || !secret.startsWith(prefix))) {
                add(Severity.WARNING, p, Code.PREFIX_MISMATCH, who + " starts like a " + other + " key ("
                        + checks.prefix(other) + "); is it under the right provider?");
            } else if (prefix != null && !secret.startsWith(prefix) && placeholder == null) {
                add(Severity.INFO, p, Code.PREFIX_MISMATCH, who + " does not start with " + prefix + " like "
                        + p + " keys usually do");
            }
        }

        private void baseUrl(String p) {
            String var = p.toUpperCase(Locale.ROOT) + "_BASE_URL";
            String raw = vars.get(var);
            if (raw == null || raw.isBlank()) return;
            try {
                URI uri = new URI(raw.trim());
                if (uri.getScheme() != null && (uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                        && uri.getHost() != null) {
                    String secretPart = baseUrlProblem(uri);
                    if (secretPart == null) {
                        baseUrls.put(p, uri);
                        return;
                    }
                    add(Severity.ERROR, p, Code.BASE_URL_INVALID, var + " " + secretPart + " (value not shown)");
                    return;
                }
            } catch (URISyntaxException ignored) {
                // reported below
            }
            add(Severity.ERROR, p, Code.BASE_URL_INVALID, var + " is not an http(s) URL with a host");
        }

        private void unindexed(String p) {
            String var = p.toUpperCase(Locale.ROOT) + "_API_KEY";
            if (vars.containsKey(var)) {
                add(Severity.INFO, p, Code.UNINDEXED_KEY, var + " is set but Keycycle reads " + var + "_1.."
                        + "n with NUM_" + p.toUpperCase(Locale.ROOT) + "=n; it is not used");
            }
        }

        private void keyReferences(String p) {
            ProviderConfig pc = catalog.config().providers().get(p);
            if (pc == null) return;
            List<ApiKey> loaded = keys.getOrDefault(p, List.of());
            for (KeyConfig kc : pc.keys().values()) {
                if (loaded.stream().noneMatch(kc::matches)) {
                    add(Severity.WARNING, p, Code.UNKNOWN_KEY_REF, "providers." + p + ".keys." + kc.selector()
                            + " selects no loaded key (" + loaded.size() + " " + p + " keys loaded)");
                }
            }
        }

        private void crossProviderDuplicates() {
            Map<String, ApiKey> seen = new LinkedHashMap<>();
            for (List<ApiKey> list : keys.values()) {
                for (ApiKey k : list) {
                    ApiKey other = seen.putIfAbsent(k.fingerprint(), k);
                    if (other != null && !other.provider().equals(k.provider())) {
                        add(Severity.WARNING, k.provider(), Code.DUPLICATE, var(k) + " (" + k.fingerprint()
                                + ") is the same secret as " + var(other) + "; one of them is under the wrong provider");
                    }
                }
            }
        }

        void add(Severity s, String provider, Code code, String message) {
            findings.add(new Finding(s, provider, code, message));
        }
    }

    /**
     * Why a base URL cannot be used because of what it carries besides the endpoint — credentials
     * ({@code user:password@}) or a query or fragment (Gemini's {@code ?key=…}) — or null. Keys go in
     * {@code <P>_API_KEY_<i>}; the chat path is appended to the base URL, so a query could not work.
     */
    static String baseUrlProblem(URI uri) {
        if (uri.getRawUserInfo() != null) {
            return "must not carry credentials (user:password@); keys go in <P>_API_KEY_<i>";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "must not have a query or fragment (?… or #…, which may hold a key; keys go in <P>_API_KEY_<i>)";
        }
        return null;
    }

    /** A URL as it may be shown: credentials and everything from a {@code ?} or {@code #} on replaced by {@code …}. */
    static String shownUrl(String url) {
        String s = url == null ? "" : url.strip();
        int cut = -1;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '?' || s.charAt(i) == '#') { cut = i; break; }
        }
        if (cut >= 0) s = s.substring(0, cut) + s.charAt(cut) + "…";
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            int start = s.indexOf("//");
            s = (start >= 0 && start < at ? s.substring(0, start + 2) : "") + "…" + s.substring(at);
        }
        return s;
    }

    private static String var(ApiKey k) { return k.provider().toUpperCase(Locale.ROOT) + "_API_KEY_" + k.index(); }

    private static String scopesSummary(List<ApiKey> keys) {
        long scopes = keys.stream().map(ApiKey::scope).distinct().count();
        return keys.isEmpty() || scopes == keys.size() ? "" : " in " + scopes + (scopes == 1 ? " scope" : " scopes");
    }

    private static int parseIndex(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** "GROQ_API_KEY_3, GROQ_API_KEY_7..9". */
    static String ranges(String env, List<Integer> indices) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < indices.size(); ) {
            int j = i;
            while (j + 1 < indices.size() && indices.get(j + 1) == indices.get(j) + 1) j++;
            if (sb.length() > 0) sb.append(", ");
            sb.append(env).append("_API_KEY_").append(indices.get(i));
            if (j > i) sb.append("..").append(indices.get(j));
            i = j + 1;
        }
        return sb.toString();
    }
}
