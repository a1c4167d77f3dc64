package io.keycycle.core.config;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Strategy;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped tables and how the user's file is laid over them. */
class CatalogTest {

    static Catalog load(String yaml) { return Catalog.load(KeycycleConfig.parse(yaml, Map.of(), "keycycle.yaml")); }

    @Test
    void noBuiltInDefaultIsRetiredDeprecatedOrWithoutQuotaAndEveryTableIsDatedAndSourced() {
        Catalog c = Catalog.builtIn();
        for (String p : Catalog.BUILT_IN_PROVIDERS) {
            ProviderSpec spec = c.provider(p);
            assertThat(CatalogReader.readResource(p).source()).as("%s sources", p).isNotBlank();
            if (spec.defaultModel() == null) {
                // openai, cohere, mistral, moonshot: endpoint tables without a model list (OtherBuiltInProvidersTest)
                assertThat(spec.allowUnknownModels()).as("%s without a default model takes any model", p).isTrue();
                assertThat(c.tableDate(p)).as("%s table date", p).hasValue(java.time.LocalDate.parse("2026-12-06"));
                continue;
            }
            ModelDescription d = c.describe(p, spec.defaultModel());
            assertThat(d.status()).as("%s default %s", p, spec.defaultModel()).isEqualTo(ModelStatus.CURRENT);
            assertThat(d.hasNoQuota()).as("%s default %s has quota", p, spec.defaultModel()).isFalse();
            assertThat(c.tableDate(p)).as("%s table date", p).hasValue(java.time.LocalDate.parse("2026-11-30"));
        }
    }

    /**
     * A listed model's description is resolved once and shared (every call asks for it), and is the
     * one a fresh resolution gives; an unlisted name, which a request can make up, is resolved each
     * time and never kept.
     */
    @Test
    void aListedModelsDescriptionIsResolvedOnceAndAnUnlistedOneIsNotKept() {
        Catalog c = load("providers: { groq: { models: { 'my-model': { rpm: 7 } }, allow-unknown-models: true } }");
        ModelDescription first = c.describe("groq", "my-model");
        assertThat(c.describe("groq", "my-model")).isSameAs(first);
        assertThat(first.limits().limits().rpm()).isEqualTo(7);
        assertThat(c.describe("groq", " my-model ")).as("a variant of the name is resolved, not kept").isNotSameAs(first)
                .isEqualTo(first);
        ModelDescription unlisted = c.describe("groq", "made-up-by-a-client");
        assertThat(unlisted.status()).isEqualTo(ModelStatus.UNLISTED);
        assertThat(c.describe("groq", "made-up-by-a-client")).isNotSameAs(unlisted).isEqualTo(unlisted);
    }

    @Test
    void retiredModelsOfTheAddendumAreMarkedAndTheCatalogSuggestsCurrentOnesInstead() {
        Catalog c = Catalog.builtIn();
        assertThat(c.describe("groq", "llama-3.3-70b-versatile").status()).isEqualTo(ModelStatus.RETIRED);
        assertThat(c.describe("groq", "llama-3.1-8b-instant").since()).isEqualTo(java.time.LocalDate.parse("2026-08-16"));
        assertThat(c.describe("cerebras", "zai-glm-4.7").status()).isEqualTo(ModelStatus.RETIRED);
        assertThat(c.describe("gemini", "gemini-2.5-flash").status()).isEqualTo(ModelStatus.DEPRECATED);
        assertThat(c.describe("gemini", "gemini-3.1-pro").hasNoQuota()).isTrue();

        assertThat(c.suggestInstead("groq", "llama-3.3-70b-versatile", 3))
                .startsWith("openai/gpt-oss-120b").hasSize(3).doesNotContain("llama-3.1-8b-instant", "llama-3.3-70b-versatile");
        assertThat(c.suggestInstead("gemini", "gemini-2.5-flash", 2))
                .startsWith("gemini-3.5-flash-lite").hasSize(2).doesNotContain("gemini-3.1-pro", "gemini-2.5-flash-lite");
        assertThat(c.suggestInstead("cerebras", "zai-glm-4.7", 5)).startsWith("gpt-oss-120b").doesNotContain("gemma-4-31b");
        assertThat(c.suggestInstead("nobody", "x", 3)).isEmpty();
    }

    @Test
    void paidOpenRouterModelsStayOutOfTheFreeBudgetUnlessTheFileSaysGlobal() {
        Catalog c = load("""
                providers:
                  openrouter:
                    models:
                      openai/gpt-4o-mini: { rpm: 100 }
                """);
        ProviderSpec or = c.provider("openrouter");
        assertThat(or.sharesBudget("meta-llama/llama-3.3-70b-instruct:free")).isTrue();
        assertThat(or.sharesBudget("*")).isTrue();
        assertThat(or.sharesBudget("openai/gpt-4o-mini")).isFalse();
        io.keycycle.core.ResolvedLimits paid = c.describe("openrouter", "openai/gpt-4o-mini").limits();
        assertThat(paid.limits()).isEqualTo(new Limits(100, -1, -1, -1, -1, -1));   // not the free 20/50
        assertThat(paid.sources().get(Limits.Metric.RPD)).startsWith("outside the shared :free budget of openrouter");
        assertThat(c.describe("openrouter", "meta-llama/llama-3.3-70b-instruct:free").limits().limits().rpd()).isEqualTo(50);

        Catalog global = load("""
                providers:
                  openrouter:
                    strategy: global
                    models:
                      openai/gpt-4o-mini: { rpm: 100 }
                """);
        assertThat(global.provider("openrouter").sharesBudget("openai/gpt-4o-mini")).isTrue();
        assertThat(global.describe("openrouter", "openai/gpt-4o-mini").limits().limits().rpd()).isEqualTo(50);
        assertThat(c.provider("groq").sharesBudget("openai/gpt-oss-120b")).isFalse();
    }

    @Test
    void builtInProvidersAsDocumented() {
        Catalog c = Catalog.builtIn();
        assertThat(c.providerNames()).containsExactly("cerebras", "cohere", "gemini", "groq", "mistral", "moonshot",
                "openai", "openrouter");

        ProviderSpec cerebras = c.provider("cerebras");
        assertThat(cerebras.baseUrl()).isEqualTo(URI.create("https://api.cerebras.ai/v1"));
        assertThat(cerebras.defaultModel()).isEqualTo("gpt-oss-120b");
        assertThat(cerebras.strategy()).isEqualTo(Strategy.PER_MODEL);
        assertThat(cerebras.dailyReset()).isEqualTo(DailyReset.sliding());

        ProviderSpec groq = c.provider("groq");
        assertThat(groq.baseUrl()).isEqualTo(URI.create("https://api.groq.com/openai/v1"));
        assertThat(groq.defaultModel()).isEqualTo("openai/gpt-oss-120b");
        assertThat(groq.models().get("llama-3.3-70b-versatile")).isEqualTo(new Limits(30, -1, 1000, 12000, -1, 100000));
        assertThat(groq.asOf()).startsWith("2026-11-30 (");

        ProviderSpec gemini = c.provider("gemini");
        assertThat(gemini.baseUrl()).isEqualTo(URI.create("https://generativelanguage.googleapis.com/v1beta/openai"));
        assertThat(gemini.defaultModel()).isEqualTo("gemini-3.5-flash-lite");
        assertThat(gemini.dailyReset()).isEqualTo(DailyReset.midnight(ZoneId.of("America/Los_Angeles")));
        assertThat(gemini.models().get("gemini-3.5-flash")).isEqualTo(new Limits(5, -1, 20, 250000, -1, -1));
        assertThat(gemini.models().get("gemini-2.5-flash")).as("routed to 3.5 Flash-Lite: its limits")
                .isEqualTo(gemini.models().get("gemini-3.5-flash-lite")).isEqualTo(new Limits(15, -1, 500, 250000, -1, -1));
        assertThat(gemini.quotaModel("gemini-2.5-flash")).isEqualTo("gemini-3.5-flash-lite");
        assertThat(gemini.quotaModel("gemini-3.5-flash-lite")).isEqualTo("gemini-3.5-flash-lite");

        ProviderSpec or = c.provider("openrouter");
        assertThat(or.baseUrl()).isEqualTo(URI.create("https://openrouter.ai/api/v1"));
        assertThat(or.defaultModel()).isEqualTo("meta-llama/llama-3.3-70b-instruct:free");
        assertThat(or.strategy()).isEqualTo(Strategy.GLOBAL);
        assertThat(or.dailyReset()).isEqualTo(DailyReset.midnight(ZoneId.of("UTC")));
        Limits budget = new Limits(20, -1, 50, -1, -1, -1);
        assertThat(or.models().get("*")).isEqualTo(budget);
        assertThat(or.defaultLimits()).isEqualTo(budget);
        assertThat(or.models().get("meta-llama/llama-3.3-70b-instruct:free")).isEqualTo(budget);
    }

    @Test
    void everyShippedModelIsFullyDefinedByItsTableAndDated() {
        Catalog c = Catalog.builtIn();
        for (String p : c.providerNames()) {
            assertThat(c.tableDate(p)).as(p).isPresent();
            assertThat(c.tableDate(p).get()).as(p).isAfter(LocalDate.of(2026, 1, 1));
            if (c.provider(p).defaultModel() == null) {
                // the endpoint tables (openai, cohere, mistral, moonshot): any model, fully defined by "*" or the tier
                ModelDescription any = c.describe(p, "any-model");
                assertThat(any.limits().sources().values()).as(p).doesNotContain("global default");
                assertThat(any.limits().sources()).as(p).hasSize(6);
                continue;
            }
            assertThat(c.keyPrefix(p)).as(p).isPresent();
            ModelDescription def = c.describe(p, null);
            assertThat(def.model()).isEqualTo(c.provider(p).defaultModel());
            assertThat(def.hasNoQuota()).as(p + " default model").isFalse();
            for (ModelDescription m : c.models(p)) {
                assertThat(m.limits().sources().values()).as(p + "/" + m.model()).doesNotContain("global default");
                assertThat(m.limits().sources()).as(p + "/" + m.model()).hasSize(6);
            }
        }
    }

    @Test
    void geminiModelsWithoutFreeTierHaveZeroLimits() {
        ModelDescription pro = Catalog.builtIn().describe("gemini", "gemini-2.5-pro");
        assertThat(pro.limits().limits()).isEqualTo(new Limits(0, 0, 0, 0, 0, 0));
        assertThat(pro.hasNoQuota()).isTrue();
        assertThat(pro.note()).contains("no free tier");
        ModelDescription old = Catalog.builtIn().describe("gemini", "gemini-2.0-flash");
        assertThat(old.status()).isEqualTo(ModelStatus.RETIRED);
        assertThat(old.since()).isEqualTo(LocalDate.of(2026, 6, 1));
    }

    @Test
    void legacyModelsStillResolveWithTheirStatus() {
        Catalog c = Catalog.builtIn();
        ModelDescription qwen = c.describe("groq", "qwen/qwen3-32b");
        assertThat(qwen.status()).isEqualTo(ModelStatus.RETIRED);
        assertThat(qwen.limits().limits()).isEqualTo(new Limits(60, -1, 1000, 6000, -1, 500000));
        ModelDescription llama = c.describe("cerebras", "llama-3.3-70b");
        assertThat(llama.status()).isEqualTo(ModelStatus.DEPRECATED);
        assertThat(llama.since()).isEqualTo(LocalDate.of(2026, 2, 16));
        assertThat(llama.limits().limits()).isEqualTo(new Limits(30, 900, 14400, 60000, 1_000_000, 1_000_000));
        assertThat(c.describe("cerebras", "gpt-oss-120b").limits().limits())
                .isEqualTo(new Limits(5, 300, 7200, 30000, 1_000_000, 1_000_000));
        // a metric the table leaves open comes from the provider default
        ModelDescription deepseek = c.describe("groq", "deepseek-r1-distill-llama-70b");
        assertThat(deepseek.limits().limits().tpd()).isEqualTo(100000);
        assertThat(deepseek.limits().sources().get(Metric.TPD)).isEqualTo("provider default built-in groq 2026-11-30");
    }

    @Test
    void unknownProviderNamesTheKnownOnes() {
        assertThatThrownBy(() -> Catalog.builtIn().provider("grok"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("unknown provider 'grok'; known: cerebras, cohere, gemini, groq, mistral, moonshot, openai, openrouter");
        assertThatThrownBy(() -> Catalog.builtIn().resolver("nope")).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void fileProviderWithoutBaseUrlIsATypoOrIncomplete() {
        assertThatThrownBy(() -> load("providers: { grok: { default-model: x } }"))
                .hasMessageContaining("providers.grok: unknown provider 'grok' (built-in: cerebras, groq, gemini, openrouter, openai, cohere, mistral, moonshot)")
                .hasMessageContaining("base-url");
    }

    @Test
    void fileAddsAProviderWithItsModels() {
        Catalog c = load("""
                providers:
                  acme:
                    base-url: https://llm.acme.test/v1
                    default-model: acme-1
                    models: { acme-1: { rpm: 50 } }
                """);
        ProviderSpec acme = c.provider("acme");
        assertThat(acme.baseUrl()).isEqualTo(URI.create("https://llm.acme.test/v1"));
        assertThat(acme.strategy()).isEqualTo(Strategy.PER_MODEL);
        assertThat(acme.dailyReset()).isEqualTo(DailyReset.sliding());
        assertThat(acme.asOf()).isNull();
        assertThat(c.describe("acme", "acme-1").status()).isEqualTo(ModelStatus.USER_DEFINED);
        assertThat(c.keyPrefix("acme")).isEmpty();
    }

    @Test
    void fileOverridesProviderSettingsAndAddsModels() {
        Catalog c = load("""
                providers:
                  groq:
                    default-model: my-new-model
                    daily-reset: midnight UTC
                    models:
                      my-new-model: { rpm: 7 }
                """);
        ProviderSpec groq = c.provider("groq");
        assertThat(groq.defaultModel()).isEqualTo("my-new-model");
        assertThat(groq.dailyReset().zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(groq.models()).containsKey("my-new-model");
        assertThat(groq.models().get("my-new-model").rpm()).isEqualTo(7);
        assertThat(Catalog.builtIn().provider("groq").defaultModel()).isEqualTo("openai/gpt-oss-120b");
    }

    @Test
    void openRouterStaysGlobalWhateverTheLoadingPath() {
        // Python bug §8.5: from_env() silently turned OpenRouter into PER_MODEL
        assertThat(Catalog.builtIn().provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);
        assertThat(Catalog.load(KeycycleConfig.empty()).provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);
        assertThat(load("providers: { openrouter: { base-url: 'http://127.0.0.1:9004/api/v1' } }")
                .provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);
        assertThat(load("providers: { openrouter: { models: { 'x/y:free': {} }, allow-unknown-models: true } }")
                .provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);
        assertThat(load("providers: { openrouter: { strategy: global } }").provider("openrouter").strategy())
                .isEqualTo(Strategy.GLOBAL);
        Catalog viaEnv = Catalog.builtIn().withBaseUrls(Map.of("openrouter", URI.create("http://127.0.0.1:9004/api/v1")));
        assertThat(viaEnv.provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);
        assertThat(viaEnv.provider("openrouter").baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9004/api/v1"));
        LoadedKeys keys = new KeyLoader(Catalog.builtIn()).load(Map.of("NUM_OPENROUTER", "1",
                "OPENROUTER_API_KEY_1", "sk-or-v1-test000000000000000000001", "OPENROUTER_BASE_URL", "http://127.0.0.1:9004/api/v1"));
        assertThat(Catalog.builtIn().withBaseUrls(keys.baseUrls()).provider("openrouter").strategy()).isEqualTo(Strategy.GLOBAL);
        // only an explicit setting changes it
        assertThat(load("providers: { openrouter: { strategy: per-model } }").provider("openrouter").strategy())
                .isEqualTo(Strategy.PER_MODEL);
    }

    @Test
    void calendarResetsForGeminiAndOpenRouter() {
        Catalog c = Catalog.load(KeycycleConfig.empty());
        assertThat(c.provider("gemini").dailyReset().isCalendar()).isTrue();
        assertThat(c.provider("gemini").dailyReset().zone()).isEqualTo(ZoneId.of("America/Los_Angeles"));
        assertThat(c.provider("openrouter").dailyReset().isCalendar()).isTrue();
        assertThat(c.provider("openrouter").dailyReset().zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(c.provider("groq").dailyReset().isCalendar()).isFalse();
        assertThat(c.provider("cerebras").dailyReset().isCalendar()).isFalse();
    }

    @Test
    void tiersAreCheckedAgainstTheCatalog() {
        assertThatThrownBy(() -> load("tiers: { fast: [groq/llama-9, nope/x] }"))
                .hasMessageContaining("tiers.fast[0]: unknown model 'llama-9' for groq")
                .hasMessageContaining("tiers.fast[1]: unknown provider 'nope' in 'nope/x'");
        assertThat(load("tiers: { free: [openrouter/meta-llama/llama-3.3-70b-instruct:free] }").tiers()).containsKey("free");
    }

    @Test
    void perKeyAndKeyTierReferencesAreChecked() {
        assertThatThrownBy(() -> load("""
                providers:
                  gemini:
                    default-model: gemini-9
                    keys:
                      1: { tier: gold, models: { gemini-7: { rpm: 1 } } }
                    key-tiers:
                      paid: { scopes: [p1] }
                      other: { scopes: [p1], models: { gemini-8: {} } }
                """))
                .hasMessageContaining("providers.gemini.default-model: unknown model 'gemini-9' for gemini")
                .hasMessageContaining("providers.gemini.keys.1.models.gemini-7: unknown model")
                .hasMessageContaining("providers.gemini.keys.1.tier: no key tier 'gold' under providers.gemini.key-tiers (defined: paid, other)")
                .hasMessageContaining("providers.gemini.key-tiers.other.scopes: scope 'p1' is already in key tier 'paid'")
                .hasMessageContaining("providers.gemini.key-tiers.other.models.gemini-8: unknown model");
    }

    @Test
    void aModelCountsAsOneModelOfItsTableWithNoLimitsOfItsOwn() {
        String head = "name: p\nas-of: 2026-12-06\nsource: test\nbase-url: https://example.invalid/v1\ndefault-model: a\nmodels:\n"
                + "  a: { rpm: 15 }\n";
        BuiltInProvider ok = CatalogReader.read(head + "  old: { counts-as: a, status: deprecated }\n", "t.yaml");
        assertThat(ok.models().get("old").countsAs()).isEqualTo("a");
        assertThatThrownBy(() -> CatalogReader.read(head + "  old: { counts-as: gone }\n", "t.yaml"))
                .hasMessageContaining("models.old.counts-as: 'gone' is not a model of this table");
        assertThatThrownBy(() -> CatalogReader.read(head + "  b: { counts-as: a }\n  old: { counts-as: b }\n", "t.yaml"))
                .hasMessageContaining("models.old.counts-as: 'b' must count as itself (routes are one step)");
        assertThatThrownBy(() -> CatalogReader.read(head + "  old: { rpm: 5, counts-as: a }\n", "t.yaml"))
                .hasMessageContaining("models.old: a model that counts as another has that one's limits; give it none of its own");
    }
}
