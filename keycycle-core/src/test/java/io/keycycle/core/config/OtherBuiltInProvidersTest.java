package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.Limits;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Strategy;
import io.keycycle.core.config.Finding.Code;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The providers the Python library shipped besides the four with free-tier tables: OpenAI, Mistral
 * and Moonshot (an endpoint, any model, no local limits) and Cohere (an endpoint, any model, the
 * limits of the account tier {@code COHERE_TIER} selects).
 */
class OtherBuiltInProvidersTest {

    private static final List<String> OTHERS = List.of("openai", "cohere", "mistral", "moonshot");
    private static final LocalDate AS_OF = LocalDate.parse("2026-12-06");

    private static Catalog withEnv(String... kv) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return Catalog.load(KeycycleConfig.empty(), env);
    }

    @Test
    void theFourLoadWithTheirEndpointsAnyModelAndNoDefaultModel() {
        Catalog c = Catalog.builtIn();
        assertThat(c.providerNames()).containsAll(OTHERS);
        assertThat(Catalog.BUILT_IN_PROVIDERS).containsAll(OTHERS);
        assertThat(c.provider("openai").baseUrl()).isEqualTo(URI.create("https://api.openai.com/v1"));
        assertThat(c.provider("cohere").baseUrl()).isEqualTo(URI.create("https://api.cohere.ai/compatibility/v1"));
        assertThat(c.provider("mistral").baseUrl()).isEqualTo(URI.create("https://api.mistral.ai/v1"));
        assertThat(c.provider("moonshot").baseUrl()).isEqualTo(URI.create("https://api.moonshot.ai/v1"));
        for (String p : OTHERS) {
            ProviderSpec spec = c.provider(p);
            assertThat(spec.allowUnknownModels()).as(p).isTrue();
            assertThat(spec.defaultModel()).as(p).isNull();
            assertThat(spec.strategy()).as(p).isEqualTo(Strategy.PER_MODEL);
            assertThat(c.tableDate(p)).as(p).hasValue(AS_OF);
            assertThat(spec.asOf()).as(p).startsWith("2026-12-06 (");
            assertThat(c.models(p)).as("%s lists no models: the table has no per-model numbers", p).isEmpty();
            // any model id is accepted and resolved entirely by the table, never by the global default
            ModelDescription d = c.describe(p, "some-model-released-next-week");
            assertThat(d.status()).isEqualTo(ModelStatus.UNLISTED);
            assertThat(d.limits().sources()).as(p).hasSize(6);
            assertThat(d.limits().sources().values()).as(p).allSatisfy(s -> assertThat(s).startsWith("provider default built-in " + p + " 2026-12-06"));
            // without a default model a call must name its model
            assertThatThrownBy(() -> c.describe(p, null)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(p + " has no default model");
        }
        assertThat(c.keyPrefix("openai")).hasValue("sk-");
        assertThat(c.keyPrefix("cohere")).isEmpty();
        assertThat(c.keyPrefix("mistral")).isEmpty();
        assertThat(c.keyPrefix("moonshot")).isEmpty();
    }

    @Test
    void openAiMistralAndMoonshotHaveNoLocalLimits() {
        Catalog c = Catalog.builtIn();
        for (String p : List.of("openai", "mistral", "moonshot")) {
            assertThat(c.describe(p, "any-model").limits().limits()).as(p).isEqualTo(Limits.UNLIMITED);
            assertThat(c.provider(p).defaultLimits()).as(p).isEqualTo(Limits.UNLIMITED);
            assertThat(c.accountTier(p)).as(p).isEmpty();
        }
    }

    @Test
    void cohereIsOnTheFreeTierUnlessCohereTierSaysOtherwise() {
        Limits free = new Limits(20, 1000, 1000, Limits.NONE, Limits.NONE, Limits.NONE);
        Limits pro = new Limits(500, 30000, 720000, Limits.NONE, Limits.NONE, Limits.NONE);
        Limits enterprise = new Limits(1000, 60000, 1440000, Limits.NONE, Limits.NONE, Limits.NONE);

        for (Catalog c : List.of(Catalog.builtIn(), withEnv(), withEnv("COHERE_TIER", ""), withEnv("COHERE_TIER", " free "))) {
            ModelDescription d = c.describe("cohere", "command-a-03-2025");
            assertThat(d.limits().limits()).isEqualTo(free);
            assertThat(d.limits().sources().get(Metric.RPM)).isEqualTo("provider default built-in cohere 2026-12-06 tier free (COHERE_TIER)");
            assertThat(c.accountTier("cohere")).hasValue("free");
            assertThat(c.warnings()).isEmpty();
        }
        Catalog proCatalog = withEnv("COHERE_TIER", "Pro");
        assertThat(proCatalog.describe("cohere", "command-a-03-2025").limits().limits()).isEqualTo(pro);
        assertThat(proCatalog.describe("cohere", "command-r7b-12-2024").limits().limits()).as("every model, the same numbers").isEqualTo(pro);
        assertThat(proCatalog.describe("cohere", "command-a-03-2025").limits().sources().get(Metric.RPD))
                .isEqualTo("provider default built-in cohere 2026-12-06 tier pro (COHERE_TIER)");
        assertThat(proCatalog.provider("cohere").defaultLimits()).isEqualTo(pro);
        assertThat(proCatalog.accountTier("cohere")).hasValue("pro");
        assertThat(proCatalog.warnings()).isEmpty();
        assertThat(withEnv("COHERE_TIER", "ENTERPRISE").describe("cohere", "x").limits().limits()).isEqualTo(enterprise);
        // the tier is Cohere's alone: other providers are untouched
        assertThat(proCatalog.describe("groq", "openai/gpt-oss-120b")).isEqualTo(Catalog.builtIn().describe("groq", "openai/gpt-oss-120b"));
        assertThat(proCatalog.describe("mistral", "x").limits().limits()).isEqualTo(Limits.UNLIMITED);
    }

    @Test
    void anUnknownCohereTierFallsBackToFreeWithAWarning() {
        Catalog c = withEnv("COHERE_TIER", "Platinum");
        assertThat(c.accountTier("cohere")).hasValue("free");
        assertThat(c.describe("cohere", "command-a-03-2025").limits().limits().rpm()).isEqualTo(20);
        assertThat(c.warnings()).singleElement().asString()
                .contains("COHERE_TIER='platinum'").contains("free, pro, enterprise").contains("using the free tier");
        // the endpoint override keeps the tier and the warning
        Catalog moved = c.withBaseUrls(Map.of("cohere", URI.create("http://127.0.0.1:9/v1")));
        assertThat(moved.accountTier("cohere")).hasValue("free");
        assertThat(moved.warnings()).isEqualTo(c.warnings());
        assertThat(moved.provider("cohere").baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9/v1"));
    }

    @Test
    void theUsersFileStillWinsOverTheTierAndTheEndpoint() {
        Catalog c = Catalog.load(KeycycleConfig.parse("""
                providers:
                  cohere:
                    default-model: command-a-03-2025
                    models:
                      "*": { rpm: 7 }
                  mistral:
                    base-url: http://127.0.0.1:9/v1
                    models:
                      mistral-small-latest: { rpm: 3 }
                """, Map.of(), "keycycle.yaml"), Map.of("COHERE_TIER", "pro"));
        ModelDescription cohere = c.describe("cohere", null);
        assertThat(cohere.model()).isEqualTo("command-a-03-2025");
        assertThat(cohere.limits().limits()).isEqualTo(new Limits(7, 30000, 720000, Limits.NONE, Limits.NONE, Limits.NONE));
        assertThat(cohere.limits().sources().get(Metric.RPM)).isEqualTo("provider default providers.cohere.models.*");
        ModelDescription mistral = c.describe("mistral", "mistral-small-latest");
        assertThat(mistral.limits().limits().rpm()).isEqualTo(3);
        assertThat(mistral.limits().limits().rpd()).isEqualTo(Limits.NONE);
        assertThat(c.provider("mistral").baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9/v1"));
    }

    @Test
    void aTablesAccountTiersAreCheckedLikeTheRestOfIt() {
        String head = "name: t\nas-of: 2026-12-06\nsource: s\nbase-url: https://example.test/v1\n";
        BuiltInProvider ok = CatalogReader.read(head + "account-tiers: { variable: T_TIER, default: a, tiers: { a: { rpm: 1 }, b: { rpm: 2 } } }\n"
                + "models: {}\n", "t.yaml");
        assertThat(ok.tier()).isEqualTo("a");
        assertThat(ok.defaults().get(Metric.RPM)).hasValue(1);
        assertThat(ok.defaultModel()).isNull();
        assertThatThrownBy(() -> CatalogReader.read(head + "account-tiers: { variable: T_TIER, default: c, tiers: { a: { rpm: 1 } } }\n"
                + "models: {}\n", "t.yaml")).hasMessageContaining("account-tiers.default: 'c' is not one of the tiers (a)");
        assertThatThrownBy(() -> CatalogReader.read(head + "account-tiers: { default: a, tiers: { a: { rpm: 1 } } }\nmodels: {}\n", "t.yaml"))
                .hasMessageContaining("account-tiers: missing 'variable'");
        assertThatThrownBy(() -> CatalogReader.read(head + "account-tiers: { variable: T_TIER, default: a, tiers: { a: { rpm: 1 } } }\n"
                + "models: { \"*\": { rpm: 5 } }\n", "t.yaml")).hasMessageContaining("the provider default comes from account-tiers");
        assertThatThrownBy(() -> CatalogReader.read(head + "account-tiers: { variable: T_TIER, default: a, tiers: { a: { rpn: 1 } } }\n"
                + "models: {}\n", "t.yaml")).hasMessageContaining("unknown key 'rpn'");
    }

    @Test
    void keysOfTheFourLoadWithoutTheUnknownProviderWarning() {
        LoadedKeys k = new KeyLoader(Catalog.builtIn()).load(Map.of(
                "NUM_MISTRAL", "1", "MISTRAL_API_KEY_1", "fake-mistral-test-key-not-real-0001",
                "NUM_COHERE", "1", "COHERE_API_KEY_1", "fake-cohere-test-key-not-real-0001",
                "MOONSHOT_API_KEY_1", "fake-moonshot-test-key-not-real-0001",
                "NUM_OPENAI", "1", "OPENAI_API_KEY_1", "sk-fake-openai-test-key-not-real-0001"));
        assertThat(k.keys()).containsOnlyKeys("cohere", "mistral", "moonshot", "openai");
        assertThat(k.report().findings()).noneMatch(f -> f.code() == Code.UNKNOWN_PROVIDER);
        assertThat(k.report().findings()).noneMatch(f -> f.code() == Code.PREFIX_MISMATCH);
    }
}
