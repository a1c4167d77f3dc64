package io.keycycle.cli;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's made-up world: a simulator with four providers whose limits are small enough for a
 * minute of traffic to meet all of them, the matching keys as environment variables, and a
 * configuration with two tiers. Limits in the configuration equal the simulator's, so every
 * upstream 429 the demo shows comes from a scripted event, not from a misconfiguration.
 */
final class DemoWorld implements AutoCloseable {

    static final String CEREBRAS_MODEL = "gpt-oss-120b";
    static final String GROQ_FAST = "openai/gpt-oss-20b";
    static final String GROQ_STRONG = "openai/gpt-oss-120b";
    static final String GEMINI_MODEL = "gemini-2.5-flash";
    static final String OPENROUTER_MODEL = "meta-llama/llama-3.3-70b-instruct:free";

    static final SimLimits CEREBRAS = SimLimits.UNLIMITED.rpm(15).tpm(30_000);
    static final SimLimits GROQ_FAST_LIMITS = SimLimits.UNLIMITED.rpm(12).tpm(12_000);
    /** Room enough that the traffic rarely fills it, so the storm's 429s are the provider's, not foreseen. */
    static final SimLimits GROQ_STRONG_LIMITS = SimLimits.UNLIMITED.rpm(20).tpm(12_000);
    static final SimLimits GEMINI = SimLimits.UNLIMITED.rpm(8).rpd(1_000).tpm(250_000);
    /** The storm: Groq's strong model suddenly stricter than the configuration says. */
    static final SimLimits GROQ_STORM = SimLimits.UNLIMITED.rpm(2).tpm(12_000);
    /** What the configuration believes OpenRouter allows per day (the accounts really have less). */
    static final long OPENROUTER_CONFIGURED_PER_DAY = 1_000;

    final Simulator sim;
    final Map<String, String> env = new LinkedHashMap<>();
    final Map<ProviderKind, List<String>> secrets = new LinkedHashMap<>();
    final String yaml;
    final long openRouterPerDay;

    private DemoWorld(Simulator sim, String yaml, long openRouterPerDay) {
        this.sim = sim;
        this.yaml = yaml;
        this.openRouterPerDay = openRouterPerDay;
    }

    /** Starts the simulator on a free loopback port, sized for a run of {@code duration}. */
    static DemoWorld start(Duration duration) {
        // OpenRouter's real account-wide daily budget is sized so that it runs out about two thirds in;
        // the configuration believes the 1000/day of accounts with credits, so the first sign is a 429.
        long perDay = Math.max(4, duration.toSeconds() / 10);
        Map<ProviderKind, List<String[]>> keys = new LinkedHashMap<>();
        keys.put(ProviderKind.CEREBRAS, keys(ProviderKind.CEREBRAS, 6, 2, "org"));
        keys.put(ProviderKind.GROQ, keys(ProviderKind.GROQ, 4, 1, "org"));
        keys.put(ProviderKind.GEMINI, keys(ProviderKind.GEMINI, 6, 2, "project"));
        keys.put(ProviderKind.OPENROUTER, keys(ProviderKind.OPENROUTER, 2, 1, "account"));

        Simulator.Builder sb = Simulator.builder().port(0).latency(Duration.ofMillis(40)).chunkInterval(Duration.ofMillis(15));
        sb.provider(withKeys(SimProvider.cerebras(), keys.get(ProviderKind.CEREBRAS)).model(CEREBRAS_MODEL, CEREBRAS).build());
        sb.provider(withKeys(SimProvider.groq(), keys.get(ProviderKind.GROQ))
                .model(GROQ_FAST, GROQ_FAST_LIMITS).model(GROQ_STRONG, GROQ_STRONG_LIMITS).build());
        sb.provider(withKeys(SimProvider.gemini(), keys.get(ProviderKind.GEMINI)).model(GEMINI_MODEL, GEMINI).build());
        sb.provider(withKeys(SimProvider.openrouter(), keys.get(ProviderKind.OPENROUTER))
                .model(OPENROUTER_MODEL, SimLimits.UNLIMITED)
                .freeModelLimits(SimLimits.UNLIMITED.rpm(10).rpd(perDay)).build());
        Simulator sim = sb.build().start();

        String yaml = """
                # keycycle demo: limits equal to the simulator's, except OpenRouter's daily budget
                # (the file says 1000/day, the accounts really have fewer: the demo's daily-quota 429)
                providers:
                  cerebras:
                    default-model: %s
                    models:
                      %s: { rpm: 15, tpm: 30000 }
                  groq:
                    default-model: %s
                    models:
                      %s: { rpm: 12, tpm: 12000 }
                      %s: { rpm: 20, tpm: 12000 }
                  gemini:
                    default-model: %s
                    models:
                      %s: { rpm: 8, rpd: 1000, tpm: 250000 }
                  openrouter:
                    default-model: %s
                    models:
                      "*": { rpm: 10, rpd: %d }
                tiers:
                  fast: [cerebras/%s, groq/%s]
                  strong: [groq/%s, gemini/%s, openrouter/%s]
                """.formatted(CEREBRAS_MODEL, CEREBRAS_MODEL, GROQ_STRONG, GROQ_FAST, GROQ_STRONG,
                GEMINI_MODEL, GEMINI_MODEL, OPENROUTER_MODEL, OPENROUTER_CONFIGURED_PER_DAY,
                CEREBRAS_MODEL, GROQ_FAST, GROQ_STRONG, GEMINI_MODEL, OPENROUTER_MODEL);
        DemoWorld w = new DemoWorld(sim, yaml, perDay);
        keys.forEach((kind, list) -> {
            String p = kind.name();
            String id = kind.name().toLowerCase(Locale.ROOT);
            w.env.put("NUM_" + p, String.valueOf(list.size()));
            w.env.put(p + "_BASE_URL", sim.baseUrl(id));
            List<String> s = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                w.env.put(p + "_API_KEY_" + (i + 1), list.get(i)[0]);
                w.env.put(p + "_SCOPE_" + (i + 1), list.get(i)[1]);
                s.add(list.get(i)[0]);
            }
            w.secrets.put(kind, s);
        });
        return w;
    }

    /** {@code n} fake keys, {@code perScope} of them per scope. */
    private static List<String[]> keys(ProviderKind kind, int n, int perScope, String scopeWord) {
        List<String[]> l = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            l.add(new String[]{SimKey.fakeSecret(kind, i), kind.name().toLowerCase(Locale.ROOT) + "-" + scopeWord + "-" + ((i - 1) / perScope + 1)});
        }
        return l;
    }

    private static SimProvider.Builder withKeys(SimProvider.Builder b, List<String[]> keys) {
        for (String[] k : keys) b.key(k[0], k[1]);
        return b;
    }

    String secret(ProviderKind kind, int index) { return secrets.get(kind).get(index - 1); }

    @Override
    public void close() { sim.close(); }
}
