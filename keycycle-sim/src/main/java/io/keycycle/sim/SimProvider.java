package io.keycycle.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable configuration of one simulated provider: its keys and their scopes, the models it
 * serves with their limits, the models that are gone, and the background fault rate.
 *
 * <p>Limits are enforced per (scope, model). OpenRouter models whose id ends in {@code :free}
 * instead share one account-wide bucket per scope, limited by {@link #freeModelLimits()}.
 *
 * <pre>{@code
 * SimProvider.groq()
 *     .key("gsk_test_0000000000000000000001", "org-a")
 *     .model("llama-3.3-70b-versatile", SimLimits.UNLIMITED.rpm(2).tpd(10_000))
 *     .goneModel("gemma2-9b-it")
 *     .build();
 * }</pre>
 */
public record SimProvider(
        ProviderKind kind,
        List<SimKey> keys,
        Map<String, SimLimits> models,
        Set<String> goneModels,
        Set<String> noFreeTierModels,
        Optional<SimLimits> defaultLimits,
        boolean acceptAnyKey,
        int thinkingTokens,
        SimLimits freeModelLimits,
        boolean highBalance,
        double faultProbability,
        List<FaultKind> faultKinds,
        long seed,
        Set<String> noToolModels,
        Map<String, String> routedModels,
        Set<String> paidScopes,
        Map<String, Integer> contextWindows,
        Set<String> goneAsNotFound) {

    public SimProvider {
        Objects.requireNonNull(kind, "kind");
        keys = List.copyOf(keys);
        models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        goneModels = Set.copyOf(goneModels);
        noFreeTierModels = Set.copyOf(noFreeTierModels);
        Objects.requireNonNull(defaultLimits, "defaultLimits");
        Objects.requireNonNull(freeModelLimits, "freeModelLimits");
        faultKinds = List.copyOf(faultKinds);
        noToolModels = Set.copyOf(noToolModels);
        routedModels = Map.copyOf(routedModels);
        paidScopes = Set.copyOf(paidScopes);
        contextWindows = contextWindows == null ? Map.of() : Map.copyOf(contextWindows);
        goneAsNotFound = goneAsNotFound == null ? Set.of() : Set.copyOf(goneAsNotFound);
        if (!goneModels.containsAll(goneAsNotFound)) {
            throw new IllegalArgumentException("models answered as not found must be gone models too, for " + kind.id());
        }
        if (!contextWindows.isEmpty() && kind != ProviderKind.GROQ && kind != ProviderKind.CEREBRAS) {
            throw new IllegalArgumentException("context windows (400 context_length_exceeded) are simulated on groq and cerebras only, not " + kind.id());
        }
        if (!paidScopes.isEmpty() && kind != ProviderKind.GEMINI) {
            throw new IllegalArgumentException("paid scopes (served where the free tier answers limit: 0) exist only on gemini, not " + kind.id());
        }
        if (!routedModels.isEmpty() && kind != ProviderKind.GEMINI) {
            throw new IllegalArgumentException("auto-routed models (quotaDimensions.model) exist only on gemini, not " + kind.id());
        }
        Set<String> secrets = new HashSet<>();
        for (SimKey k : keys) {
            k.state().requireSupportedBy(kind);
            if (!secrets.add(k.secret())) {
                throw new IllegalArgumentException("key " + k.mask() + " is configured twice for " + kind.id());
            }
        }
        if (!noFreeTierModels.isEmpty() && kind != ProviderKind.GEMINI) {
            throw new IllegalArgumentException("no-free-tier models (429 limit: 0) exist only on gemini, not " + kind.id());
        }
        if (thinkingTokens < 0) {
            throw new IllegalArgumentException("thinkingTokens must be >= 0, was " + thinkingTokens + " for " + kind.id());
        }
        if (!(faultProbability >= 0 && faultProbability <= 1)) {
            throw new IllegalArgumentException("faultProbability must be in [0, 1], was " + faultProbability + " for " + kind.id());
        }
        if (faultProbability > 0 && faultKinds.isEmpty()) {
            throw new IllegalArgumentException("faultProbability " + faultProbability + " needs at least one fault kind for " + kind.id());
        }
        faultKinds.forEach(f -> f.requireSupportedBy(kind));
    }

    public static Builder builder(ProviderKind kind) {
        return new Builder(kind);
    }

    public static Builder cerebras() {
        return builder(ProviderKind.CEREBRAS);
    }

    public static Builder groq() {
        return builder(ProviderKind.GROQ);
    }

    public static Builder gemini() {
        return builder(ProviderKind.GEMINI);
    }

    public static Builder openrouter() {
        return builder(ProviderKind.OPENROUTER);
    }

    /** The provider with its {@link Builder#freeTierModels() free-tier table} and {@code n} fake keys, one scope each. */
    public static SimProvider freeTier(ProviderKind kind, int fakeKeys) {
        return builder(kind).freeTierModels().fakeKeys(fakeKeys).build();
    }

    /** How a {@link Builder#goneModel(String, Gone) gone model} answers. */
    public enum Gone {
        /** The provider's retired-model error (Groq: 400 {@code model_decommissioned}). */
        RETIRED,
        /** The provider's unknown-model error (Groq: 404 {@code model_not_found}), as for a model it never had. */
        NOT_FOUND
    }

    /** True for OpenRouter {@code :free} models, which share an account-wide budget. */
    boolean isAccountWide(String model) {
        return kind == ProviderKind.OPENROUTER && model.endsWith(":free");
    }

    /** Validating builder; each setter fails at once on bad input. */
    public static final class Builder {
        private final ProviderKind kind;
        private final List<SimKey> keys = new ArrayList<>();
        private final Map<String, SimLimits> models = new LinkedHashMap<>();
        private final Set<String> gone = new LinkedHashSet<>();
        private final Set<String> goneAsNotFound = new LinkedHashSet<>();
        private final Set<String> noFreeTier = new LinkedHashSet<>();
        private SimLimits defaultLimits;
        private boolean acceptAnyKey;
        private int thinkingTokens;
        private SimLimits freeModelLimits = SimLimits.UNLIMITED.rpm(20).rpd(50);
        private boolean highBalance;
        private double faultProbability;
        private final List<FaultKind> faultKinds = new ArrayList<>();
        private long seed = 42;
        private final Set<String> noTools = new LinkedHashSet<>();
        private final Map<String, String> routes = new LinkedHashMap<>();
        private final Map<String, Integer> contextWindows = new LinkedHashMap<>();
        private final Set<String> paid = new LinkedHashSet<>();

        private Builder(ProviderKind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
            this.thinkingTokens = kind == ProviderKind.GEMINI ? 24 : 0;
        }

        /** An active key; {@code scope} is the organisation/project/account whose limits it shares. */
        public Builder key(String secret, String scope) {
            return key(SimKey.of(secret, scope));
        }

        public Builder key(SimKey key) {
            key.state().requireSupportedBy(kind);
            keys.add(key);
            return this;
        }

        /** Adds {@code n} keys {@link SimKey#fakeSecret fakeSecret(kind, 1..n)}, each in its own scope {@code scope-i}. */
        public Builder fakeKeys(int n) {
            requireNonNegative("fakeKeys", n);
            for (int i = 1; i <= n; i++) {
                key(SimKey.fakeSecret(kind, i), "scope-" + i);
            }
            return this;
        }

        /** Adds {@code n} fake keys that all share {@code scope}. */
        public Builder fakeKeys(int n, String scope) {
            requireNonNegative("fakeKeys", n);
            for (int i = 1; i <= n; i++) {
                key(SimKey.fakeSecret(kind, i), scope);
            }
            return this;
        }

        /** Serves {@code model} with these limits (replacing earlier limits for it). */
        public Builder model(String model, SimLimits limits) {
            requireModel(model);
            models.put(model, Objects.requireNonNull(limits, "limits for " + kind.id() + "/" + model));
            return this;
        }

        /**
         * The model answers with the provider's retired-model error: Groq 400
         * {@code model_decommissioned}, Cerebras and OpenRouter 404, Gemini 404 "no longer available".
         */
        public Builder goneModel(String model) {
            return goneModel(model, Gone.RETIRED);
        }

        /** The model is gone and answers in the given form; it is not listed by {@code /models} either way. */
        public Builder goneModel(String model, Gone form) {
            requireModel(model);
            Objects.requireNonNull(form, "form");
            gone.add(model);
            if (form == Gone.NOT_FOUND) goneAsNotFound.add(model);
            else goneAsNotFound.remove(model);
            return this;
        }

        /** Gemini only: the model answers 429 with {@code limit: 0} on all four free-tier quotas. */
        public Builder noFreeTierModel(String model) {
            requireModel(model);
            if (kind != ProviderKind.GEMINI) {
                throw new IllegalArgumentException("no-free-tier models (429 limit: 0) exist only on gemini, not " + kind.id());
            }
            noFreeTier.add(model);
            return this;
        }

        /**
         * Gemini only: the keys of {@code scope} (a project) are on a paid tier. A model without free
         * tier (a {@link #noFreeTierModel} or one whose free-tier limits hold a 0) is served to them,
         * without limits: the simulator does not model paid-tier quotas.
         */
        public Builder paidScope(String scope) {
            if (scope == null || scope.isBlank()) throw new IllegalArgumentException("paid scope must not be blank for " + kind.id());
            if (kind != ProviderKind.GEMINI) {
                throw new IllegalArgumentException("paid scopes (served where the free tier answers limit: 0) exist only on gemini, not " + kind.id());
            }
            paid.add(scope);
            return this;
        }

        /** Serve models that are not configured, with these limits (otherwise they are 404). */
        public Builder defaultLimits(SimLimits limits) {
            this.defaultLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Any bearer secret is valid and is its own scope (for the standalone simulator). */
        public Builder acceptAnyKey(boolean accept) {
            this.acceptAnyKey = accept;
            return this;
        }

        /**
         * Hidden reasoning tokens added to {@code total_tokens} only (Gemini compat behaviour;
         * default 24 on Gemini, 0 elsewhere). They are not charged to the limits.
         */
        public Builder thinkingTokens(int tokens) {
            requireNonNegative("thinkingTokens", tokens);
            this.thinkingTokens = tokens;
            return this;
        }

        /** OpenRouter: the account-wide budget shared by all {@code :free} models (default 20 RPM, 50 RPD). */
        public Builder freeModelLimits(SimLimits limits) {
            this.freeModelLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** OpenRouter: the account has bought 10 credits, so the day 429 says {@code free-models-per-day-high-balance}. */
        public Builder highBalance(boolean highBalance) {
            this.highBalance = highBalance;
            return this;
        }

        /** Each request fails with probability {@code p}, with one of {@code kinds} picked at random (seeded). */
        public Builder faultProbability(double p, FaultKind... kinds) {
            this.faultProbability = p;
            faultKinds.clear();
            for (FaultKind k : kinds) {
                k.requireSupportedBy(kind);
                faultKinds.add(k);
            }
            return this;
        }

        /**
         * A request with {@code tools} for this model answers OpenRouter's request-shaped 404 "No
         * endpoints found that support tool use" (the model exists; this request asks too much).
         */
        public Builder noToolSupport(String model) {
            requireModel(model);
            noTools.add(model);
            return this;
        }

        /**
         * Groq and Cerebras: a request for {@code model} whose prompt plus completion limit
         * ({@code max_completion_tokens} or {@code max_tokens}, none: 0) exceeds {@code tokens} is
         * answered 400 {@code context_length_exceeded}, as those providers do for their context
         * windows (a free tier's can be smaller than the model's).
         */
        public Builder contextWindow(String model, int tokens) {
            requireModel(model);
            if (tokens <= 0) throw new IllegalArgumentException("context window of " + model + " must be > 0, was " + tokens);
            contextWindows.put(model, tokens);
            return this;
        }

        /**
         * Gemini only: requests for {@code from} are served by {@code to} (Google's automatic routing
         * of a shut-down model) and count against {@code to}'s quota; a 429 names {@code to} in
         * {@code quotaDimensions.model}.
         */
        public Builder autoRoute(String from, String to) {
            requireModel(from);
            requireModel(to);
            if (kind != ProviderKind.GEMINI) {
                throw new IllegalArgumentException("auto-routed models exist only on gemini, not " + kind.id());
            }
            routes.put(from, to);
            return this;
        }

        /**
         * The 2026-11-30 line-up (providers.md §9): the models the providers retired since the
         * {@link #freeTierModels()} table answer "model gone", the new ones are served.
         * Groq's Llama models shut down on 2026-08-16 and answer 404 {@code model_not_found} ("does
         * not exist or you do not have access to it"), its older retired models 400
         * {@code model_decommissioned}; Cerebras keeps
         * only {@code gpt-oss-120b} on the free trial, Gemini 2.5 Flash is routed to 3.5 Flash-Lite
         * and 3.1 Pro has no free tier.
         */
        public Builder currentModels() {
            SimLimits none = SimLimits.UNLIMITED;
            switch (kind) {
                case CEREBRAS -> {
                    model("gpt-oss-120b", none.rpm(5).tpm(30_000).tph(1_000_000).tpd(1_000_000));
                    goneModel("zai-glm-4.7").goneModel("gemma-4-31b").goneModel("llama-3.3-70b").goneModel("qwen-3-32b")
                            .goneModel("llama3.1-8b");
                }
                case GROQ -> {
                    SimLimits oss = none.rpm(30).rpd(1_000).tpm(8_000).tpd(200_000);
                    model("openai/gpt-oss-120b", oss).model("openai/gpt-oss-20b", oss).model("qwen/qwen3.6-27b", oss);
                    SimLimits compound = none.rpm(30).rpd(250).tpm(70_000);
                    model("groq/compound", compound).model("groq/compound-mini", compound);
                    goneModel("llama-3.3-70b-versatile", Gone.NOT_FOUND).goneModel("llama-3.1-8b-instant", Gone.NOT_FOUND)
                            .goneModel("gemma2-9b-it").goneModel("qwen/qwen3-32b");
                }
                case GEMINI -> {
                    model("gemini-3.5-flash", none.rpm(5).rpd(20).tpm(250_000));
                    model("gemini-3.5-flash-lite", none.rpm(15).rpd(500).tpm(250_000));
                    model("gemini-3.7-flash", none.rpm(5).rpd(20).tpm(250_000));
                    model("gemini-3.1-flash-lite", none.rpm(15).rpd(500).tpm(250_000));
                    noFreeTierModel("gemini-3.1-pro").noFreeTierModel("gemini-2.5-pro");
                    autoRoute("gemini-2.5-flash", "gemini-3.5-flash-lite");
                    goneModel("gemini-2.0-flash").goneModel("gemini-2.0-flash-lite");
                }
                case OPENROUTER -> {
                    model("meta-llama/llama-3.3-70b-instruct:free", none);
                    model("openai/gpt-oss-120b:free", none);
                    model("qwen/qwen3-coder:free", none);
                    model("google/gemma-3-27b-it:free", none);
                    model("openai/gpt-oss-120b", none);
                    freeModelLimits(none.rpm(20).rpd(50));
                }
            }
            return this;
        }

        /** Seed of the fault-injection random generator. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Adds the free-tier models of providers.md §7 (newest confirmed values) and the models it
         * lists as gone. Cerebras uses the 2026 Free Trial numbers.
         */
        public Builder freeTierModels() {
            SimLimits none = SimLimits.UNLIMITED;
            switch (kind) {
                case CEREBRAS -> {
                    SimLimits trial = none.rpm(5).tpm(30_000).tph(1_000_000).tpd(1_000_000);
                    model("gpt-oss-120b", trial).model("zai-glm-4.7", trial).model("gemma-4-31b", trial);
                    goneModel("llama-3.3-70b").goneModel("qwen-3-32b").goneModel("llama3.1-8b");
                }
                case GROQ -> {
                    SimLimits oss = none.rpm(30).rpd(1_000).tpm(8_000).tpd(200_000);
                    model("llama-3.1-8b-instant", none.rpm(30).rpd(14_400).tpm(6_000).tpd(500_000));
                    model("llama-3.3-70b-versatile", none.rpm(30).rpd(1_000).tpm(12_000).tpd(100_000));
                    model("openai/gpt-oss-120b", oss).model("openai/gpt-oss-20b", oss).model("qwen/qwen3.6-27b", oss);
                    goneModel("gemma2-9b-it").goneModel("deepseek-r1-distill-llama-70b")
                            .goneModel("qwen-qwq-32b").goneModel("qwen/qwen3-32b");
                }
                case GEMINI -> {
                    model("gemini-2.5-flash", none.rpm(5).rpd(20).tpm(250_000));
                    model("gemini-2.5-flash-lite", none.rpm(10).rpd(20).tpm(250_000));
                    model("gemini-3.1-flash-lite", none.rpm(15).rpd(500).tpm(250_000));
                    model("gemini-3.5-flash", none.rpm(5).rpd(20).tpm(250_000));
                    noFreeTierModel("gemini-2.5-pro");
                    goneModel("gemini-2.0-flash").goneModel("gemini-2.0-flash-lite");
                }
                case OPENROUTER -> {
                    model("meta-llama/llama-3.3-70b-instruct:free", none);
                    model("deepseek/deepseek-chat-v3.1:free", none);
                    model("google/gemma-3-27b-it:free", none);
                    model("qwen/qwen3-coder:free", none);
                    model("openai/gpt-oss-120b", none);
                    freeModelLimits(none.rpm(20).rpd(50));
                }
            }
            return this;
        }

        public SimProvider build() {
            return new SimProvider(kind, keys, models, gone, noFreeTier, Optional.ofNullable(defaultLimits),
                    acceptAnyKey, thinkingTokens, freeModelLimits, highBalance, faultProbability, faultKinds, seed,
                    noTools, routes, paid, contextWindows, goneAsNotFound);
        }

        private void requireModel(String model) {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("model id must not be blank for " + kind.id());
            }
        }

        private void requireNonNegative(String what, int n) {
            if (n < 0) {
                throw new IllegalArgumentException(what + " must be >= 0, was " + n + " for " + kind.id());
            }
        }
    }
}
