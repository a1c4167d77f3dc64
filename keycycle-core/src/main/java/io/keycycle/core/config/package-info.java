/**
 * Configuration: what Keycycle knows about providers, what the user's file says, and which keys the
 * environment holds.
 *
 * <p>{@link io.keycycle.core.config.Catalog} is the provider catalog: one dated, sourced table per
 * provider shipped in {@code io/keycycle/catalog/*.yaml} (Cerebras, Groq, Gemini, OpenRouter:
 * endpoint, default model, counting strategy, daily reset, limits per model and a provider default
 * {@code "*"}), with the user's {@link io.keycycle.core.config.KeycycleConfig} laid over it. It
 * resolves the limits of a (key, model) rule by rule (per key, key tier, user model, built-in
 * model, provider default, global default) and says which rule gave each limit, which is what
 * {@code keycycle check} and {@code keycycle models} print. Models are data: the file adds them.
 *
 * <p>{@link io.keycycle.core.config.KeycycleConfig} is {@code keycycle.yaml} as immutable records,
 * read strictly (unknown keys are errors naming the allowed ones, every error names its path and
 * line) with {@code ${VAR}} taken from the environment. SnakeYAML only composes a node tree here;
 * no Java object is ever built from the file.
 *
 * <p>{@link io.keycycle.core.config.KeyLoader} reads {@code NUM_<P>} / {@code <P>_API_KEY_<i>} /
 * {@code <P>_SCOPE_<i>} / {@code <P>_BASE_URL} from the environment laid over a
 * {@link io.keycycle.core.config.DotEnv .env} file (the environment wins) and never throws for a
 * bad set-up: it returns the keys with a {@link io.keycycle.core.config.ValidationReport} of
 * gaps, mismatches, duplicates and suspicious values, by fingerprint only.
 *
 * <p>Nothing here holds state or talks to providers; the key pool consumes
 * {@link io.keycycle.core.ProviderSpec}s, {@link io.keycycle.core.LimitResolver}s and
 * {@link io.keycycle.core.ApiKey}s made here.
 */
package io.keycycle.core.config;
