package io.keycycle.core.config;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.LimitResolver;
import io.keycycle.core.Limits;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.ResolvedLimits;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The resolution order, one metric decided at each level, checked by its source string. */
class LimitResolutionTest {

    static final String MODEL = "llama-3.3-70b-versatile";
    static final ApiKey KEY3 = new ApiKey("groq", 3, "gsk_test_0000000000000000000003", null);
    static final ApiKey KEY4 = new ApiKey("groq", 4, "gsk_test_0000000000000000000004", null);

    static Catalog load(String yaml) { return Catalog.load(KeycycleConfig.parse(yaml, Map.of(), "keycycle.yaml")); }

    @Test
    void everyLevelInOrder() {
        String fp = KEY3.fingerprint();
        Catalog c = load("""
                providers:
                  groq:
                    models:
                      llama-3.3-70b-versatile: { tph: 5, tpd: 6 }
                    keys:
                      "%s": { models: { llama-3.3-70b-versatile: { rpm: 1 } } }
                      3: { tier: paid, limits: { rph: 2, rpm: 99 } }
                    key-tiers:
                      paid:
                        models: { llama-3.3-70b-versatile: { rpd: 3, rph: 98 } }
                        limits: { tpm: 4, rpd: 97 }
                """.formatted(fp));
        ResolvedLimits r = c.resolver("groq").resolve(KEY3, MODEL);
        assertThat(r.limits()).isEqualTo(new Limits(1, 2, 3, 4, 5, 6));
        assertThat(r.sources()).containsExactlyInAnyOrderEntriesOf(Map.of(
                Metric.RPM, "per-key override providers.groq.keys." + fp + ".models." + MODEL,
                Metric.RPH, "per-key override providers.groq.keys.3",
                Metric.RPD, "key tier providers.groq.key-tiers.paid.models." + MODEL,
                Metric.TPM, "key tier providers.groq.key-tiers.paid",
                Metric.TPH, "user file providers.groq.models." + MODEL,
                Metric.TPD, "user file providers.groq.models." + MODEL));

        // another key of the same provider sees none of the per-key and key-tier rules
        ResolvedLimits other = c.resolver("groq").resolve(KEY4, MODEL);
        assertThat(other.limits()).isEqualTo(new Limits(30, -1, 1000, 12000, 5, 6));
        assertThat(other.sources().get(Metric.RPM)).isEqualTo("built-in groq 2026-11-30");
        assertThat(other.sources().get(Metric.RPH)).isEqualTo("provider default built-in groq 2026-11-30");
        assertThat(c.keyTier(KEY3)).contains("paid");
        assertThat(c.keyTier(KEY4)).isEmpty();
    }

    @Test
    void builtInThenProviderDefaultsThenGlobalDefault() {
        ResolvedLimits builtIn = Catalog.builtIn().resolver("groq").resolve(KEY3, MODEL);
        assertThat(builtIn.sources().get(Metric.TPM)).isEqualTo("built-in groq 2026-11-30");
        assertThat(builtIn.sources().get(Metric.TPH)).isEqualTo("provider default built-in groq 2026-11-30");

        Catalog c = load("""
                providers:
                  groq:
                    models: { "*": { tph: 600000 } }
                  acme:
                    base-url: https://acme.test/v1
                    models: { a1: { rpm: 50 }, "*": { tpm: 1000 } }
                """);
        ResolvedLimits withUserDefault = c.resolver("groq").resolve(KEY3, MODEL);
        assertThat(withUserDefault.limits().tph()).isEqualTo(600000);
        assertThat(withUserDefault.sources().get(Metric.TPH)).isEqualTo("provider default providers.groq.models.*");

        ApiKey acmeKey = ApiKey.of("acme", 1, "acme-test-000000000000000001");
        ResolvedLimits acme = c.resolver("acme").resolve(acmeKey, "a1");
        assertThat(acme.limits()).isEqualTo(new Limits(50, 100, 1000, 1000, -1, -1));
        assertThat(acme.sources().get(Metric.RPM)).isEqualTo("user file providers.acme.models.a1");
        assertThat(acme.sources().get(Metric.TPM)).isEqualTo("provider default providers.acme.models.*");
        assertThat(acme.sources().get(Metric.RPH)).isEqualTo("global default");
        assertThat(acme.sources().get(Metric.TPD)).isEqualTo("global default");
        assertThat(Catalog.GLOBAL_DEFAULT).isEqualTo(new Limits(10, 100, 1000, -1, -1, -1));
    }

    @Test
    void fingerprintSelectorsInEveryWrittenForm() {
        String fp = KEY3.fingerprint();                     // 8 hex digits, '…', last 4
        String hex = fp.substring(0, 8);
        for (String selector : new String[]{fp, fp.replace("…", "..."), hex}) {
            Catalog c = load("providers: { groq: { keys: { \"" + selector + "\": { limits: { rpm: 2 } } } } }");
            ResolvedLimits r = c.resolver("groq").resolve(KEY3, MODEL);
            assertThat(r.limits().rpm()).as(selector).isEqualTo(2);
            assertThat(r.sources().get(Metric.RPM)).isEqualTo("per-key override providers.groq.keys." + selector);
            assertThat(c.resolver("groq").resolve(KEY4, MODEL).limits().rpm()).as(selector).isEqualTo(30);
        }
    }

    @Test
    void fingerprintEntryWinsOverIndexEntry() {
        // the same key renumbered in the environment keeps its fingerprint override
        Catalog c = load("""
                providers:
                  groq:
                    keys:
                      3: { limits: { rpm: 7 } }
                      "%s": { limits: { rpm: 2 } }
                """.formatted(KEY3.fingerprint()));
        assertThat(c.resolver("groq").resolve(KEY3, MODEL).limits().rpm()).isEqualTo(2);
        ApiKey sameSecretAtIndex9 = new ApiKey("groq", 9, KEY3.secret(), null);
        assertThat(c.resolver("groq").resolve(sameSecretAtIndex9, MODEL).limits().rpm()).isEqualTo(2);
        ApiKey otherSecretAtIndex3 = new ApiKey("groq", 3, "gsk_test_0000000000000000000099", null);
        assertThat(c.resolver("groq").resolve(otherSecretAtIndex3, MODEL).limits().rpm()).isEqualTo(7);
    }

    @Test
    void keyTierByScope() {
        Catalog c = load("""
                providers:
                  gemini:
                    key-tiers:
                      tier1:
                        scopes: [project-paid]
                        models: { gemini-2.5-flash: { rpm: 1000, rpd: 10000 } }
                """);
        LimitResolver gemini = c.resolver("gemini");
        ApiKey paid = new ApiKey("gemini", 1, "AIzaTest.fake.gemini.key.0000000000001", "project-paid");
        ApiKey free = new ApiKey("gemini", 2, "AIzaTest.fake.gemini.key.0000000000002", "project-free");
        ResolvedLimits r = gemini.resolve(paid, "gemini-2.5-flash");
        assertThat(r.limits().rpm()).isEqualTo(1000);
        assertThat(r.limits().tpm()).isEqualTo(250000);
        assertThat(r.sources().get(Metric.RPM)).isEqualTo("key tier providers.gemini.key-tiers.tier1.models.gemini-2.5-flash");
        assertThat(gemini.resolve(free, "gemini-2.5-flash").limits().rpm()).isEqualTo(5);
    }

    @Test
    void nullModelMeansTheDefaultModelAndStarTheProviderDefault() {
        LimitResolver or = Catalog.builtIn().resolver("openrouter");
        ApiKey k = ApiKey.of("openrouter", 1, "sk-or-v1-test000000000000000000001");
        assertThat(or.resolve(k, null)).isEqualTo(or.resolve(k, "meta-llama/llama-3.3-70b-instruct:free"));
        ResolvedLimits shared = or.resolve(k, "*");
        assertThat(shared.limits()).isEqualTo(new Limits(20, -1, 50, -1, -1, -1));
        assertThat(shared.sources().get(Metric.RPD)).isEqualTo("provider default built-in openrouter 2026-11-30");
        // a user with >= 10 credits raises the shared day budget
        Catalog paid = load("providers: { openrouter: { models: { '*': { rpd: 1000 } } } }");
        assertThat(paid.resolver("openrouter").resolve(k, "meta-llama/llama-3.3-70b-instruct:free").limits().rpd()).isEqualTo(1000);
        assertThat(paid.provider("openrouter").defaultLimits().rpd()).isEqualTo(1000);
    }

    @Test
    void unknownModelIsAnErrorUnlessAllowed() {
        assertThatThrownBy(() -> Catalog.builtIn().resolver("groq").resolve(KEY3, "llama-9-huge"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("unknown model 'llama-9-huge' for groq; known: allam-2-7b, ")
                .hasMessageContaining("llama-3.3-70b-versatile")
                .hasMessageEndingWith("; set providers.groq.allow-unknown-models: true or add it under providers.groq.models");

        Catalog allowed = load("providers: { groq: { allow-unknown-models: true } }");
        ResolvedLimits r = allowed.resolver("groq").resolve(KEY3, "llama-9-huge");
        assertThat(r.limits()).isEqualTo(new Limits(30, -1, 1000, 6000, -1, 100000));
        assertThat(r.sources().values()).allMatch(s -> s.equals("provider default built-in groq 2026-11-30"));
        assertThat(allowed.describe("groq", "llama-9-huge").status()).isEqualTo(ModelStatus.UNLISTED);

        Catalog added = load("providers: { groq: { models: { llama-9-huge: { rpm: 3 } } } }");
        assertThat(added.resolver("groq").resolve(KEY3, "llama-9-huge").limits().rpm()).isEqualTo(3);
    }

    @Test
    void keyOfAnotherProviderIsRejected() {
        ApiKey gemini = ApiKey.of("gemini", 1, "AIzaTest.fake.gemini.key.0000000000001");
        assertThatThrownBy(() -> Catalog.builtIn().resolver("groq").resolve(gemini, MODEL))
                .hasMessageContaining("belongs to gemini, not groq")
                .message().doesNotContain(gemini.secret());
        assertThat(Catalog.builtIn().resolve(gemini, "gemini-3.5-flash").limits().rpd()).isEqualTo(20);
    }

    @Test
    void explicitUnlimitedStopsTheSearch() {
        Catalog c = load("providers: { groq: { keys: { 3: { limits: { rpd: unlimited } } } } }");
        ResolvedLimits r = c.resolver("groq").resolve(KEY3, MODEL);
        assertThat(r.limits().rpd()).isEqualTo(Limits.NONE);
        assertThat(r.sources().get(Metric.RPD)).isEqualTo("per-key override providers.groq.keys.3");
    }

    @Test
    void describeShowsPerKeyRulesOnlyForAKey() {
        Catalog c = load("providers: { groq: { keys: { 3: { limits: { rpm: 1 } } } } }");
        assertThat(c.describe("groq", MODEL).limits().limits().rpm()).isEqualTo(30);
        assertThat(c.describe(KEY3, MODEL).limits().limits().rpm()).isEqualTo(1);
        assertThat(c.describe(KEY3, MODEL).status()).isEqualTo(ModelStatus.RETIRED);   // MODEL was shut down on 2026-08-16
    }
}
