package io.keycycle.core.config;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.Finding.Code;
import io.keycycle.core.config.Finding.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyLoaderTest {

    static String groq(int i) { return String.format("gsk_test_%022d", i); }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    static LoadedKeys load(Map<String, String> env) { return new KeyLoader(Catalog.builtIn()).load(env); }

    static List<Finding> findings(LoadedKeys k, Code code) { return k.report().findings(code); }

    /** Every secret loaded must be absent from every message. */
    static void assertNoSecrets(LoadedKeys k, Map<String, String> env) {
        String text = k.report().format() + k.report().findings();
        env.forEach((name, value) -> {
            if (name.contains("_API_KEY") && value.length() > 8) assertThat(text).as(name).doesNotContain(value);
        });
    }

    @Test
    void cleanSetUp() {
        Map<String, String> e = env("NUM_GROQ", "3", "GROQ_API_KEY_1", groq(1), "GROQ_API_KEY_2", groq(2),
                "GROQ_API_KEY_3", groq(3), "GROQ_SCOPE_2", "org-b", "GROQ_SCOPE_3", "org-b", "PATH", "/usr/bin");
        LoadedKeys k = load(e);
        assertThat(k.keys("groq")).extracting(ApiKey::index).containsExactly(1, 2, 3);
        assertThat(k.keys("groq").get(1).scope()).isEqualTo("org-b");
        assertThat(k.keys("groq").get(0).scope()).isEqualTo("key-" + k.keys("groq").get(0).fingerprint());
        assertThat(k.report().hasErrors()).isFalse();
        assertThat(k.report().warnings()).isEmpty();
        assertThat(k.report().findings()).containsExactly(
                new Finding(Severity.INFO, "groq", Code.LOADED, "3 keys loaded (NUM_GROQ=3) in 2 scopes"));
        assertThat(k.total()).isEqualTo(3);
        assertThat(k.orThrow()).isSameAs(k);
    }

    @Test
    void countMismatchGapsAndExtras() {
        Map<String, String> e = env("NUM_GROQ", "4", "GROQ_API_KEY_1", groq(1), "GROQ_API_KEY_2", groq(2),
                "GROQ_API_KEY_4", groq(4), "GROQ_API_KEY_6", groq(6), "GROQ_API_KEY_7", groq(7));
        LoadedKeys k = load(e);
        assertThat(k.keys("groq")).extracting(ApiKey::index).containsExactly(1, 2, 4);
        assertThat(findings(k, Code.COUNT_MISMATCH)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).isEqualTo("NUM_GROQ=4 but 5 GROQ_API_KEY_<i> are set");
        });
        assertThat(findings(k, Code.GAP)).singleElement().extracting(Finding::message)
                .isEqualTo("missing GROQ_API_KEY_3 (NUM_GROQ=4); the other keys still load");
        assertThat(findings(k, Code.EXTRA_KEYS)).singleElement().extracting(Finding::message)
                .isEqualTo("GROQ_API_KEY_6..7 beyond NUM_GROQ=4 ignored; raise NUM_GROQ to use them");
    }

    @Test
    void fewerKeysThanNum() {
        // the seed's trap: NUM_GROQ=16 with 15 keys must not go unnoticed
        Map<String, String> e = env("NUM_GROQ", "16");
        for (int i = 1; i <= 15; i++) e.put("GROQ_API_KEY_" + i, groq(i));
        LoadedKeys k = load(e);
        assertThat(k.keys("groq")).hasSize(15);
        assertThat(findings(k, Code.COUNT_MISMATCH).get(0).message()).isEqualTo("NUM_GROQ=16 but 15 GROQ_API_KEY_<i> are set");
        assertThat(findings(k, Code.GAP).get(0).message()).startsWith("missing GROQ_API_KEY_16 ");
        assertThat(k.report().format()).contains("groq\n").contains("WARNING  count-mismatch")
                .endsWith("0 errors, 2 warnings");
    }

    @Test
    void keysWithoutNumAreDiscovered() {
        LoadedKeys k = load(env("CEREBRAS_API_KEY_1", "csk-test.fake.key.00000000001", "CEREBRAS_API_KEY_3",
                "csk-test.fake.key.00000000003"));
        assertThat(k.keys("cerebras")).extracting(ApiKey::index).containsExactly(1, 3);
        assertThat(findings(k, Code.NO_NUM)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).isEqualTo("NUM_CEREBRAS is not set; using the 2 CEREBRAS_API_KEY_<i> found");
        });
        assertThat(findings(k, Code.GAP)).singleElement().satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.INFO));
    }

    /** A huge NUM_<P> is an error naming it, at once: counting gaps up to 2³¹−1 once never ended. */
    @Test
    void aHugeNumIsAnErrorNotAnEndlessLoop() {
        LoadedKeys k = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> load(env("NUM_GROQ", "2147483647", "GROQ_API_KEY_1", groq(1))));
        assertThat(k.report().errors()).extracting(Finding::code).containsExactly(Code.NUM_INVALID);
        assertThat(k.report().errors().get(0).message()).contains("NUM_GROQ=2147483647 must be from 0 to 100000");
        assertThat(k.keys("groq")).hasSize(1);
    }

    @Test
    void numNotANumberIsAnError() {
        LoadedKeys k = load(env("NUM_GROQ", "sixteen", "GROQ_API_KEY_1", groq(1), "NUM_GEMINI", "-2"));
        assertThat(k.report().hasErrors()).isTrue();
        assertThat(k.report().errors()).extracting(Finding::code).containsExactly(Code.NUM_INVALID, Code.NUM_INVALID);
        assertThat(k.report().errors().get(0).message()).contains("NUM_GEMINI=-2 must be from 0 to 100000");
        assertThat(k.keys("groq")).hasSize(1);           // still usable for `keycycle check`
        assertThatThrownBy(k::orThrow).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("NUM_GROQ is not a whole number");
    }

    @Test
    void numForUnrelatedThingsIsNotAProvider() {
        LoadedKeys k = load(env("NUM_WORKERS", "4", "NUM_THREADS", "x"));
        assertThat(k.report().findings()).isEmpty();
        assertThat(k.keys()).isEmpty();
    }

    @Test
    void duplicatesWithinAndAcrossProviders() {
        String shared = groq(1);
        Map<String, String> e = env("NUM_GROQ", "3", "GROQ_API_KEY_1", shared, "GROQ_API_KEY_2", groq(2),
                "GROQ_API_KEY_3", shared, "NUM_CEREBRAS", "1", "CEREBRAS_API_KEY_1", groq(2));
        LoadedKeys k = load(e);
        assertThat(k.keys("groq")).extracting(ApiKey::index).containsExactly(1, 2);
        List<Finding> dups = findings(k, Code.DUPLICATE);
        assertThat(dups).hasSize(2);
        assertThat(dups.get(0).message()).isEqualTo("GROQ_API_KEY_3 (" + ApiKey.fingerprint(shared)
                + ") is the same secret as GROQ_API_KEY_1; loaded once");
        assertThat(dups.get(1).message()).isEqualTo("GROQ_API_KEY_2 (" + ApiKey.fingerprint(groq(2))
                + ") is the same secret as CEREBRAS_API_KEY_1; one of them is under the wrong provider");
        assertNoSecrets(k, e);
    }

    @Test
    void suspiciousValues() {
        Map<String, String> e = env("NUM_GROQ", "7",
                "GROQ_API_KEY_1", "your-key-here-0000000000000",
                "GROQ_API_KEY_2", "gsk-...",
                "GROQ_API_KEY_3", "<groq key>",
                "GROQ_API_KEY_4", "gsk_xxxxxxxxxxxxxxxxxxxxxxxxxx",
                "GROQ_API_KEY_5", "gsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "GROQ_API_KEY_6", "gsk_short",
                "GROQ_API_KEY_7", "   ");
        LoadedKeys k = load(e);
        assertThat(findings(k, Code.PLACEHOLDER)).extracting(Finding::message).containsExactly(
                "GROQ_API_KEY_1 (" + ApiKey.fingerprint("your-key-here-0000000000000") + ") looks like a placeholder: it contains 'your-key-here'",
                "GROQ_API_KEY_2 (" + ApiKey.fingerprint("gsk-...") + ") looks like a placeholder: it contains '...'",
                "GROQ_API_KEY_3 (" + ApiKey.fingerprint("<groq key>") + ") looks like a placeholder: it looks like '<...>'",
                "GROQ_API_KEY_4 (" + ApiKey.fingerprint("gsk_xxxxxxxxxxxxxxxxxxxxxxxxxx") + ") looks like a placeholder: it contains 'xxxxx'",
                "GROQ_API_KEY_5 (" + ApiKey.fingerprint("gsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaa") + ") looks like a placeholder: it is one character repeated");
        assertThat(findings(k, Code.TOO_SHORT)).singleElement().extracting(Finding::message).asString()
                .contains("GROQ_API_KEY_6").contains("is 9 characters, shorter than 20");
        assertThat(findings(k, Code.EMPTY_KEY)).singleElement().extracting(Finding::message)
                .isEqualTo("GROQ_API_KEY_7 is set but empty; skipped");
        // "<groq key>" holds a space, which no header can carry: reported as a placeholder and skipped
        assertThat(findings(k, Code.KEY_CHARACTERS)).singleElement().extracting(Finding::message).asString().startsWith("GROQ_API_KEY_3");
        assertThat(k.keys("groq")).hasSize(5);
        assertNoSecrets(k, e);
    }

    @Test
    void prefixChecks() {
        Map<String, String> e = env("NUM_GROQ", "2", "GROQ_API_KEY_1", "AIzaTest.fake.gemini.key.0000000000001",
                "GROQ_API_KEY_2", "plain-test-000000000000000002",
                "NUM_OPENROUTER", "1", "OPENROUTER_API_KEY_1", "sk-or-v1-test000000000000000000001");
        LoadedKeys k = load(e);
        List<Finding> prefix = findings(k, Code.PREFIX_MISMATCH);
        assertThat(prefix).hasSize(2);
        assertThat(prefix.get(0).severity()).isEqualTo(Severity.WARNING);
        assertThat(prefix.get(0).message()).contains("GROQ_API_KEY_1").contains("starts like a gemini key (AIza)");
        assertThat(prefix.get(1).severity()).isEqualTo(Severity.INFO);
        assertThat(prefix.get(1).message()).contains("GROQ_API_KEY_2").contains("does not start with gsk_");
        assertNoSecrets(k, e);
    }

    @Test
    void unknownProviderIsWarnedButLoaded() {
        // mistral was the example here until it became a built-in provider
        LoadedKeys k = load(env("NUM_ACME", "1", "ACME_API_KEY_1", "acme-test-0000000000000001",
                "ACME_BASE_URL", "https://api.acme.example/v1"));
        assertThat(k.keys("acme")).hasSize(1);
        assertThat(findings(k, Code.UNKNOWN_PROVIDER)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("provider 'acme'").contains("add providers.acme with base-url");
        });
        assertThat(k.baseUrls()).containsEntry("acme", URI.create("https://api.acme.example/v1"));
    }

    @Test
    void baseUrlsAndBadOnes() {
        LoadedKeys k = load(env("GROQ_BASE_URL", "http://127.0.0.1:9001/openai/v1", "GEMINI_BASE_URL", "not a url",
                "CEREBRAS_BASE_URL", "file:///etc/passwd"));
        assertThat(k.baseUrls()).containsOnly(Map.entry("groq", URI.create("http://127.0.0.1:9001/openai/v1")));
        assertThat(k.report().errors()).extracting(Finding::code).containsOnly(Code.BASE_URL_INVALID);
        assertThat(k.report().errors()).extracting(Finding::provider).containsExactlyInAnyOrder("gemini", "cerebras");
        assertThat(Catalog.builtIn().withBaseUrls(k.baseUrls()).provider("groq").baseUrl())
                .isEqualTo(URI.create("http://127.0.0.1:9001/openai/v1"));
    }

    @Test
    void yamlScopesAndDanglingPerKeyEntries() {
        ApiKey second = ApiKey.of("groq", 2, groq(2));
        Catalog catalog = Catalog.load(KeycycleConfig.parse("""
                providers:
                  groq:
                    keys:
                      1: { scope: org-a }
                      "%s": { scope: org-fp }
                      3: { scope: org-env-loses }
                      9: { limits: { rpm: 1 } }
                      "deadbeef": { limits: { rpm: 1 } }
                  gemini:
                    keys:
                      1: { limits: { rpm: 1 } }
                """.formatted(second.fingerprint()), Map.of(), "keycycle.yaml"));
        LoadedKeys k = new KeyLoader(catalog).load(env("NUM_GROQ", "3", "GROQ_API_KEY_1", groq(1),
                "GROQ_API_KEY_2", groq(2), "GROQ_API_KEY_3", groq(3), "GROQ_SCOPE_3", "org-env"));
        assertThat(k.keys("groq")).extracting(ApiKey::scope).containsExactly("org-a", "org-fp", "org-env");
        assertThat(findings(k, Code.UNKNOWN_KEY_REF)).extracting(Finding::message).containsExactly(
                "providers.gemini.keys.1 selects no loaded key (0 gemini keys loaded)",
                "providers.groq.keys.9 selects no loaded key (3 groq keys loaded)",
                "providers.groq.keys.deadbeef selects no loaded key (3 groq keys loaded)");
        assertThat(findings(k, Code.UNKNOWN_KEY_REF)).allMatch(f -> f.severity() == Severity.WARNING);
    }

    @Test
    void processEnvironmentWinsOverDotEnv(@TempDir Path dir) throws Exception {
        Path dotEnv = dir.resolve(".env");
        Files.writeString(dotEnv, """
                NUM_GROQ=2
                GROQ_API_KEY_1="%s"
                export GROQ_API_KEY_2='%s'
                GROQ_SCOPE_1=from-file
                not a line
                """.formatted(groq(1), groq(2)));
        LoadedKeys k = new KeyLoader(Catalog.builtIn()).load(env("GROQ_API_KEY_2", groq(22), "GROQ_SCOPE_1", "from-env"), dotEnv);
        assertThat(k.keys("groq")).extracting(ApiKey::secret).containsExactly(groq(1), groq(22));
        assertThat(k.keys("groq").get(0).scope()).isEqualTo("from-env");
        assertThat(findings(k, Code.DOTENV_SYNTAX)).singleElement().extracting(Finding::message)
                .isEqualTo(dotEnv + " line 5: expected NAME=value");
        // a missing .env file is simply absent
        assertThat(new KeyLoader(Catalog.builtIn()).load(env(), dir.resolve("missing.env")).keys()).isEmpty();
    }

    @Test
    void unindexedAndZeroIndexedVariables() {
        LoadedKeys k = load(env("GROQ_API_KEY", groq(1), "GEMINI_API_KEY_0", "AIzaTest.fake.gemini.key.0000000000000"));
        assertThat(findings(k, Code.UNINDEXED_KEY)).singleElement().extracting(Finding::message).asString()
                .startsWith("GROQ_API_KEY is set but Keycycle reads GROQ_API_KEY_1..n with NUM_GROQ=n");
        assertThat(findings(k, Code.BAD_INDEX)).singleElement().extracting(Finding::message)
                .isEqualTo("GEMINI_API_KEY_0 ignored: indices start at 1");
        assertThat(k.keys()).isEmpty();
    }

    /** Two spellings of one index: the plain one is used, whatever the map order, and the other is named, not dropped silently. */
    @Test
    void twoSpellingsOfOneIndexAreAWarningAndThePlainOneIsUsed() {
        for (String[] e : new String[][] {{"GROQ_API_KEY_01", groq(1), "GROQ_API_KEY_1", groq(2)},
                {"GROQ_API_KEY_1", groq(2), "GROQ_API_KEY_01", groq(1)}}) {
            LoadedKeys k = load(env(e[0], e[1], e[2], e[3]));
            assertThat(k.keys("groq")).singleElement().satisfies(key -> assertThat(key.fingerprint())
                    .isEqualTo(load(env("GROQ_API_KEY_1", groq(2))).keys("groq").get(0).fingerprint()));
            assertThat(findings(k, Code.BAD_INDEX)).singleElement().extracting(Finding::message)
                    .isEqualTo("GROQ_API_KEY_01 ignored: GROQ_API_KEY_1 gives key 1 too (values not shown)");
        }
    }

    @Test
    void ranges() {
        assertThat(KeyLoader.ranges("G", List.of(1, 2, 3, 5, 7, 8))).isEqualTo("G_API_KEY_1..3, G_API_KEY_5, G_API_KEY_7..8");
    }

    @Test
    void aKeyAHeaderCannotCarryIsSkippedNamingThePositionNeverTheKey() {
        String pasted = "gsk_" + "Qw3".repeat(12);
        Map<String, String> e = env("NUM_GROQ", "3",
                "GROQ_API_KEY_1", pasted + "\nX-Injected: 1",
                "GROQ_API_KEY_2", "gsk_" + "Qw3".repeat(6) + "é" + "Qw3".repeat(6),
                "GROQ_API_KEY_3", pasted);
        LoadedKeys k = load(e);
        assertThat(k.keys().get("groq")).hasSize(1);
        assertThat(findings(k, Code.KEY_CHARACTERS)).extracting(Finding::message).satisfiesExactly(
                m -> assertThat(m).startsWith("GROQ_API_KEY_1 (").contains("character 41 of 54 is a line break"),
                m -> assertThat(m).startsWith("GROQ_API_KEY_2 (").contains("a non-ASCII character"));
        assertThat(k.report().format()).doesNotContain("Qw3Qw3", "X-Injected");
        assertThatThrownBy(() -> io.keycycle.core.ApiKey.of("groq", 1, pasted + "\r\nEvil: 1"))
                .isInstanceOf(io.keycycle.core.ConfigurationException.class)
                .hasMessageContaining("cannot be sent in an HTTP header").hasMessageNotContaining("Qw3");
    }
}
