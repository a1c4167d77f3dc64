package io.keycycle.core.config;

import io.keycycle.core.pool.Selection;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Strategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeycycleConfigTest {

    /** Verbatim from PRODUCT.md, "Configuration conventions". */
    static final String PRODUCT_YAML = """
            providers:
              groq:
                base-url: http://127.0.0.1:9001/openai/v1   # optional, same as GROQ_BASE_URL
                default-model: llama-3.3-70b-versatile
                models:
                  llama-3.3-70b-versatile: { rpm: 30, rph: 900, rpd: 1000, tpm: 12000, tph: 100000, tpd: 100000 }
                keys:                    # optional per-key settings, by 1-based index or fingerprint
                  3: { scope: org-b, limits: { rpm: 10 } }
              openrouter:
                strategy: global         # per-model (default) | global
            tiers:
              fast:   [cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]
              strong: [groq/llama-3.3-70b-versatile, gemini/gemini-2.5-flash, openrouter/meta-llama/llama-3.3-70b-instruct:free]
            selection: headroom          # headroom (default) | round-robin | first-fit
            gateway:
              port: 8787
              tokens: [${KEYCYCLE_GATEWAY_TOKEN}]
            """;

    static KeycycleConfig parse(String yaml) { return KeycycleConfig.parse(yaml, Map.of(), "keycycle.yaml"); }

    @Test
    void productYamlParsesAsWritten() {
        KeycycleConfig c = KeycycleConfig.parse(PRODUCT_YAML, Map.of("KEYCYCLE_GATEWAY_TOKEN", "tok-123"), "keycycle.yaml");

        ProviderConfig groq = c.provider("groq");
        assertThat(groq.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9001/openai/v1"));
        assertThat(groq.defaultModel()).isEqualTo("llama-3.3-70b-versatile");
        PartialLimits l = groq.models().get("llama-3.3-70b-versatile");
        assertThat(l.values()).containsExactlyInAnyOrderEntriesOf(Map.of(Metric.RPM, 30L, Metric.RPH, 900L,
                Metric.RPD, 1000L, Metric.TPM, 12000L, Metric.TPH, 100000L, Metric.TPD, 100000L));
        KeyConfig k3 = groq.keys().get("3");
        assertThat(k3.index()).isEqualTo(3);
        assertThat(k3.scope()).isEqualTo("org-b");
        assertThat(k3.limits().values()).isEqualTo(Map.of(Metric.RPM, 10L));
        assertThat(c.provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);

        assertThat(c.tiers().keySet()).containsExactly("fast", "strong");
        assertThat(c.tiers().get("fast").models()).containsExactly(
                new ModelRef("cerebras", "gpt-oss-120b"), new ModelRef("groq", "llama-3.1-8b-instant"));
        assertThat(c.tiers().get("strong").models().get(2))
                .isEqualTo(new ModelRef("openrouter", "meta-llama/llama-3.3-70b-instruct:free"));
        assertThat(c.selection()).isEqualTo(Selection.HEADROOM);
        assertThat(c.gateway().port()).isEqualTo(8787);
        assertThat(c.gateway().tokens()).containsExactly("tok-123");
        assertThat(c.gateway().toString()).doesNotContain("tok-123");

        // and the catalog accepts it: every tier candidate is a known model
        Catalog catalog = Catalog.load(c);
        assertThat(catalog.provider("groq").baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9001/openai/v1"));
    }

    @Test
    void tokenValuesMayHoldYamlSpecialCharacters() {
        KeycycleConfig c = KeycycleConfig.parse(PRODUCT_YAML,
                Map.of("KEYCYCLE_GATEWAY_TOKEN", "a,b]: #{c}'\""), "keycycle.yaml");
        assertThat(c.gateway().tokens()).containsExactly("a,b]: #{c}'\"");
    }

    @Test
    void missingVariableIsAnErrorNamingItAndTheLine() {
        assertThatThrownBy(() -> parse(PRODUCT_YAML))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("gateway.tokens[0]: environment variable KEYCYCLE_GATEWAY_TOKEN is not set")
                .hasMessageContaining("keycycle.yaml line 17");
    }

    @Test
    void variableDefaultsAndEscapes() {
        KeycycleConfig c = KeycycleConfig.parse("""
                gateway:
                  host: ${HOST:-0.0.0.0}
                  port: ${PORT:-9000}
                  tokens: ["${A}-${B:-b}", "$${LITERAL}", "${EMPTY:-}"]
                database:
                  url: jdbc:sqlite:${HOME_DIR}/k.db   # ${IN_COMMENT} is ignored
                """, Map.of("A", "a", "HOME_DIR", "/srv", "PORT", "7000"), "k.yaml");
        assertThat(c.gateway().host()).isEqualTo("0.0.0.0");
        assertThat(c.gateway().port()).isEqualTo(7000);
        assertThat(c.gateway().tokens()).containsExactly("a-b", "${LITERAL}");
        assertThat(c.database().url()).isEqualTo("jdbc:sqlite:/srv/k.db");
    }

    @Test
    void malformedReferenceIsAnError() {
        assertThatThrownBy(() -> parse("selection: ${not valid}\n"))
                .hasMessageContaining("keycycle.yaml line 1").hasMessageContaining("'${not valid}' is not a valid reference");
    }

    @Test
    void typoedKeyNamesPathAllowedKeysAndSuggestion() {
        assertThatThrownBy(() -> parse("""
                providers:
                  groq:
                    modles:
                      llama-3.3-70b-versatile: { rpm: 30 }
                """))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown key 'modles' at providers.groq (did you mean 'models'?)")
                .hasMessageContaining("allowed: allow-unknown-models, base-url, daily-reset, default-model, key-tiers, keys, models, strategy")
                .hasMessageContaining("line 3");
    }

    @Test
    void aProviderNameNoTargetCanCarryIsAProblemNamingIt() {
        // A target is provider/model: a provider called "" or "a/b" could never be named in one.
        assertThatThrownBy(() -> parse("""
                providers:
                  "":
                    base-url: https://llm.acme.test/v1
                    default-model: m
                  "a/b":
                    base-url: https://llm.acme.test/v1
                    default-model: m
                  "my llm":
                    base-url: https://llm.acme.test/v1
                    default-model: m
                  acme_2:
                    base-url: https://llm.acme.test/v1
                    default-model: m
                """))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("has 3 problems")
                .hasMessageContaining("providers: '' is not a provider name")
                .hasMessageContaining("providers: 'a/b' is not a provider name")
                .hasMessageContaining("providers: 'my llm' is not a provider name")
                .hasMessageNotContaining("'acme_2'");
    }

    @Test
    void typosAtEveryLevelAreReportedTogether() {
        assertThatThrownBy(() -> parse("""
                provders: {}
                gateway: { prot: 1 }
                providers:
                  groq:
                    models:
                      m: { rmp: 3 }
                    keys:
                      2: { scoep: x }
                """))
                .hasMessageContaining("has 4 problems")
                .hasMessageContaining("unknown key 'provders' at the top level (did you mean 'providers'?)")
                .hasMessageContaining("unknown key 'prot' at gateway (did you mean 'port'?)")
                .hasMessageContaining("unknown key 'rmp' at providers.groq.models.m")
                .hasMessageContaining("unknown key 'scoep' at providers.groq.keys.2 (did you mean 'scope'?)");
    }

    @Test
    void negativeLimitNamesThePath() {
        assertThatThrownBy(() -> parse("""
                providers:
                  groq:
                    models:
                      llama-3.3-70b-versatile: { rpm: -1 }
                """))
                .hasMessage("providers.groq.models.llama-3.3-70b-versatile.rpm must be >= 0, was -1 (keycycle.yaml line 4)");
    }

    @Test
    void limitSpellings() {
        KeycycleConfig c = parse("""
                providers:
                  groq:
                    models:
                      a: { rpm: 1_000, tpm: 250K, tpd: 1M, rph: unlimited, rpd: ~ }
                      b: {}
                      c:
                """);
        PartialLimits a = c.provider("groq").models().get("a");
        assertThat(a.values()).isEqualTo(Map.of(Metric.RPM, 1000L, Metric.TPM, 250_000L, Metric.TPD, 1_000_000L,
                Metric.RPH, -1L));
        assertThat(c.provider("groq").models().get("b").isEmpty()).isTrue();
        assertThat(c.provider("groq").models().get("c").isEmpty()).isTrue();
        assertThatThrownBy(() -> parse("providers: { groq: { models: { a: { rpm: lots } } } }"))
                .hasMessageContaining("providers.groq.models.a.rpm must be a whole number >= 0 or 'unlimited', was 'lots'");
    }

    @Test
    void providerSettingsAndKeyTiers() {
        KeycycleConfig c = parse("""
                providers:
                  Gemini:
                    daily-reset: midnight Europe/Berlin
                    strategy: per-model
                    allow-unknown-models: true
                    keys:
                      "3f9a1c07…wxyz": { tier: paid }
                      7: { models: { gemini-2.5-flash: { rpd: 100 } } }
                    key-tiers:
                      paid:
                        limits: { rpm: 1000 }
                        models: { gemini-2.5-flash: { rpd: 10000 } }
                        scopes: [proj-a, proj-b]
                selection: first-fit
                """);
        ProviderConfig g = c.provider("gemini");
        assertThat(g.dailyReset()).isEqualTo(DailyReset.midnight(ZoneId.of("Europe/Berlin")));
        assertThat(g.strategy()).isEqualTo(Strategy.PER_MODEL);
        assertThat(g.allowUnknownModels()).isTrue();
        assertThat(g.keys().keySet()).containsExactly("3f9a1c07…wxyz", "7");
        assertThat(g.keys().get("3f9a1c07…wxyz").byIndex()).isFalse();
        assertThat(g.keys().get("7").models().get("gemini-2.5-flash").values()).isEqualTo(Map.of(Metric.RPD, 100L));
        KeyTierConfig paid = g.keyTiers().get("paid");
        assertThat(paid.limits().values()).isEqualTo(Map.of(Metric.RPM, 1000L));
        assertThat(paid.scopes()).containsExactly("proj-a", "proj-b");
        assertThat(c.selection()).isEqualTo(Selection.FIRST_FIT);
    }

    @Test
    void badValuesAreReportedWithTheirPath() {
        assertThatThrownBy(() -> parse("""
                providers:
                  groq:
                    strategy: sometimes
                    daily-reset: midnight Mars/Olympus
                    base-url: ftp://example.com
                    allow-unknown-models: maybe
                selection: random
                gateway: { port: 70000, tokens: secret }
                tiers:
                  fast: [groq]
                  a/b: [groq/x]
                """))
                .hasMessageContaining("providers.groq.strategy: unknown strategy 'sometimes'")
                .hasMessageContaining("providers.groq.daily-reset: daily-reset 'midnight Mars/Olympus': unknown time zone")
                .hasMessageContaining("providers.groq.base-url must be an http(s) URL, was 'ftp://example.com'")
                .hasMessageContaining("providers.groq.allow-unknown-models must be true or false, was 'maybe'")
                .hasMessageContaining("selection: unknown selection 'random'")
                .hasMessageContaining("gateway.port must be <= 65535, was 70000")
                .hasMessageContaining("gateway.tokens must be a list")
                .hasMessageContaining("tiers.fast[0]: 'groq' is not provider/model")
                .hasMessageContaining("tiers.a/b: a tier name must be non-empty and contain no '/'");
    }

    @Test
    void keySelectorThatIsNeitherIndexNorFingerprintIsNotEchoed() {
        String secret = "gsk_live_abcdefghijklmnopqrstuvwxyz0123";
        assertThatThrownBy(() -> parse("providers: { groq: { keys: { " + secret + ": { rpm: 1 } } } }"))
                .hasMessageContaining("providers.groq.keys: a key is selected by its 1-based index")
                .message().doesNotContain(secret);
        assertThatThrownBy(() -> parse("providers: { groq: { keys: { 0: { scope: a } } } }"))
                .hasMessageContaining("1-based index");
    }

    @Test
    void duplicateKeysAndForeignTagsAreRejected() {
        assertThatThrownBy(() -> parse("selection: headroom\nselection: first-fit\n"))
                .hasMessageContaining("duplicate key 'selection'");
        assertThatThrownBy(() -> parse("selection: !!java.lang.Runtime headroom\n"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("java.lang.Runtime")
                .hasMessageContaining("not allowed");
        assertThatThrownBy(() -> parse("gateway: !custom { port: 1 }\n"))
                .hasMessageContaining("are not supported");
    }

    @Test
    void syntaxErrorNamesTheLine() {
        assertThatThrownBy(() -> parse("providers:\n  groq: {\n"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("keycycle.yaml line").hasMessageContaining("invalid YAML");
    }

    @Test
    void emptyFileAndDefaults() {
        KeycycleConfig c = parse("# nothing yet\n");
        assertThat(c.providers()).isEmpty();
        assertThat(c.tiers()).isEmpty();
        assertThat(c.selection()).isEqualTo(Selection.HEADROOM);
        assertThat(c.gateway()).isEqualTo(GatewayConfig.DEFAULT);
        assertThat(c.database().url()).isNull();
        assertThat(KeycycleConfig.empty().gateway().host()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> parse("- a\n- b\n")).hasMessageContaining("the top level must be a mapping");
    }

    @Test
    void loadsFromFileAndReportsMissingFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keycycle.yaml");
        Files.writeString(file, "database: { url: \"mysql+pymysql://u:p4ss@h:4000/db\" }\n");
        KeycycleConfig c = KeycycleConfig.load(file, Map.of());
        assertThat(c.sourceName()).isEqualTo(file.toString());
        assertThat(c.database().url()).isEqualTo("mysql+pymysql://u:p4ss@h:4000/db");
        assertThat(c.database().toString()).doesNotContain("p4ss");
        assertThat(KeycycleConfig.loadIfExists(dir.resolve("none.yaml"), Map.of())).isSameAs(KeycycleConfig.empty());
        assertThatThrownBy(() -> KeycycleConfig.load(dir.resolve("none.yaml"), Map.of()))
                .hasMessageContaining("not found");
    }

    @Test
    void javadocExampleParsesAndLoads() {
        KeycycleConfig c = KeycycleConfig.parse("""
                providers:
                  groq:
                    base-url: http://127.0.0.1:9001/openai/v1
                    default-model: llama-3.3-70b-versatile
                    allow-unknown-models: false
                    models:
                      llama-3.3-70b-versatile: { rpm: 30, rph: 900, rpd: 1000, tpm: 12000, tph: 100000, tpd: 100000 }
                      "*": { rpm: 20 }                      # the provider default
                    keys:                                   # by 1-based index or fingerprint
                      3: { scope: org-b, limits: { rpm: 10 } }
                      3f9a1c07…wxyz: { tier: paid, models: { llama-3.3-70b-versatile: { rpd: 5000 } } }
                    key-tiers:
                      paid: { limits: { rpm: 1000 }, scopes: [org-c] }
                  openrouter:
                    strategy: global                        # per-model (default) | global
                    daily-reset: midnight UTC               # sliding | midnight <zone>
                tiers:
                  fast: [cerebras/gpt-oss-120b, groq/llama-3.1-8b-instant]
                selection: round-robin
                gateway: { host: 127.0.0.1, port: 8787, tokens: [${KEYCYCLE_GATEWAY_TOKEN}], max-body-bytes: 10M }
                database: { url: ${KEYCYCLE_DB_URL:-} }
                """, Map.of("KEYCYCLE_GATEWAY_TOKEN", "t"), "keycycle.yaml");
        assertThat(c.gateway().maxBodyBytes()).isEqualTo(10_000_000L);
        assertThat(c.database().url()).isNull();
        assertThat(c.selection()).isEqualTo(Selection.ROUND_ROBIN);
        assertThat(c.provider("groq").keys().get("3f9a1c07…wxyz").tier()).isEqualTo("paid");
        assertThat(Catalog.load(c).provider("groq").defaultLimits().rpm()).isEqualTo(20);
    }

    @Test
    void theGatewaysEdgeSettingsHaveDefaultsAndAreRead() {
        GatewayEdge d = KeycycleConfig.parse("gateway: { port: 9000 }\n", Map.of(), "keycycle.yaml").gateway().edge();
        assertThat(d).isEqualTo(GatewayEdge.DEFAULT);
        assertThat(d.queryToken()).isFalse();
        assertThat(d.idleTimeoutSeconds()).isEqualTo(120);
        assertThat(d.maxHeaderBytes()).isEqualTo(8_192);
        assertThat(d.maxConnections()).isEqualTo(4_096);
        KeycycleConfig c = KeycycleConfig.parse("""
                gateway:
                  tokens: [client-token-1]
                  admin-tokens: [${ADMIN_TOKEN}, "${UNSET:-}"]
                  allowed-hosts: [Gateway.Internal]
                  query-token: true
                  idle-timeout-seconds: 30
                  max-header-bytes: 4096
                  max-connections: 100
                """, Map.of("ADMIN_TOKEN", "admin-token-1"), "keycycle.yaml");
        GatewayEdge e = c.gateway().edge();
        assertThat(e.adminTokens()).containsExactly("admin-token-1");
        assertThat(e.allowedHosts()).containsExactly("gateway.internal");
        assertThat(e.queryToken()).isTrue();
        assertThat(e.idleTimeoutSeconds()).isEqualTo(30);
        assertThat(e.maxHeaderBytes()).isEqualTo(4_096);
        assertThat(e.maxConnections()).isEqualTo(100);
        assertThat(c.gateway().toString()).doesNotContain("admin-token-1", "client-token-1");
        assertThatThrownBy(() -> KeycycleConfig.parse("gateway: { max-connections: 0 }\n", Map.of(), "keycycle.yaml"))
                .hasMessageContaining("gateway.max-connections");
        assertThatThrownBy(() -> KeycycleConfig.parse("gateway: { max-header-bytes: 10 }\n", Map.of(), "keycycle.yaml"))
                .hasMessageContaining("gateway.max-header-bytes");
    }

    @Test
    void theGatewaysUpstreamLimitsHaveDefaultsAndAreReadWithUnits() {
        assertThat(parse("gateway: { port: 9000 }\n").gateway().limits()).isEqualTo(GatewayLimits.DEFAULT);
        GatewayLimits l = parse("""
                gateway:
                  stream-idle-timeout: 90s
                  stream-deadline: PT10M
                  max-upstream-body-bytes: 16MiB
                  max-sse-line-bytes: 65536
                  max-streams: 100
                  max-in-flight: 2_000
                """).gateway().limits();
        assertThat(l).isEqualTo(new GatewayLimits(java.time.Duration.ofSeconds(90), java.time.Duration.ofMinutes(10),
                16L << 20, 65_536, 100, 2_000));
        assertThat(parse("gateway: { shutdown-grace: 2m }\n").gateway().edge().shutdownGrace()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(parse("gateway: { port: 9 }\n").gateway().edge().shutdownGrace()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThatThrownBy(() -> parse("gateway: { shutdown-grace: soon }\n")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("gateway.shutdown-grace must be a duration");
        assertThat(parse("gateway: { stream-idle-timeout: 500ms, stream-deadline: 1h, max-sse-line-bytes: 1KiB }\n")
                .gateway().limits()).extracting(GatewayLimits::streamIdleTimeout, GatewayLimits::streamDeadline,
                        GatewayLimits::maxSseLineBytes)
                .containsExactly(java.time.Duration.ofMillis(500), java.time.Duration.ofHours(1), 1_024);
    }

    @Test
    void badUpstreamLimitsAreProblemsNamingTheKey() {
        assertThatThrownBy(() -> parse("""
                gateway:
                  stream-idle-timeout: soon
                  stream-deadline: 0s
                  max-upstream-body-bytes: 32MB
                  max-sse-line-bytes: 100
                  max-streams: 0
                  max-in-flight: lots
                """))
                .hasMessageContaining("gateway.stream-idle-timeout must be a duration such as 500ms, 90s, 2m, 1h or PT2M, was 'soon'")
                .hasMessageContaining("gateway.stream-deadline must be > 0, was '0s'")
                .hasMessageContaining("gateway.max-upstream-body-bytes must be a size in bytes such as 1048576, 512KiB, 32MiB or 1GiB, was '32MB'")
                .hasMessageContaining("gateway.max-sse-line-bytes must be >= 1024 bytes, was '100'")
                .hasMessageContaining("gateway.max-streams must be >= 1, was 0")
                .hasMessageContaining("gateway.max-in-flight must be a whole number, was 'lots'");
    }

    @Test
    void modelRefSplitsAtTheFirstSlashOnly() {
        assertThat(ModelRef.parse("openrouter/meta-llama/llama-3.3-70b-instruct:free"))
                .isEqualTo(new ModelRef("openrouter", "meta-llama/llama-3.3-70b-instruct:free"));
        assertThat(ModelRef.parse("Groq/x").provider()).isEqualTo("groq");
        assertThat(ModelRef.parse("groq/x").toString()).isEqualTo("groq/x");
        for (String bad : List.of("groq", "/x", "groq/", "")) {
            assertThatThrownBy(() -> ModelRef.parse(bad)).isInstanceOf(ConfigurationException.class);
        }
    }

    /** Durations past what the arithmetic on them can hold are problems naming their key, not an ArithmeticException. */
    @Test
    void anAbsurdDurationIsAProblemNamingItsKey() {
        for (String v : new String[] {"999999999999999d", "99999999999999w", "106751991167301d", "P99999999999999D", "36700d"}) {
            assertThatThrownBy(() -> parse("gateway:\n  stream-deadline: " + v + "\n")).as(v)
                    .isInstanceOf(io.keycycle.core.ConfigurationException.class)
                    .hasMessageContaining("gateway.stream-deadline must be a duration");
        }
        assertThatThrownBy(() -> parse("cluster:\n  heartbeat: 106751991167301d\n"))
                .isInstanceOf(io.keycycle.core.ConfigurationException.class).hasMessageContaining("cluster.heartbeat");
    }
}
