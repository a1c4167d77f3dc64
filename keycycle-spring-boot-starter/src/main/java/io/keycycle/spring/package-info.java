/**
 * Keycycle for Spring Boot 4 and Spring AI 2: one dependency, a few properties.
 *
 * <p>{@link io.keycycle.spring.KeycycleAutoConfiguration} builds the {@link io.keycycle.Keycycle}
 * engine from the environment convention ({@code NUM_<P>}, {@code <P>_API_KEY_<i>}, {@code .env})
 * and the {@code keycycle.*} properties ({@link io.keycycle.spring.KeycycleProperties}, which mirror
 * {@code keycycle.yaml} and are parsed by the library's own parser), and closes it with the context.
 * Each tier becomes a {@link io.keycycle.spring.RotatingChatModel} bean qualified by its name.
 * With {@code keycycle.cluster.redis-url} (or {@code KEYCYCLE_REDIS_URL}) and the optional
 * {@code keycycle-redis} on the class path, the engine shares its windows with every process on
 * that Redis; the URL is checked before any bean is created.
 *
 * <p>A rotating model runs every call through {@code Keycycle.call}/{@code callAsync}: admission,
 * selection, rotation on 429, tier fallback and settlement with the provider's usage are the
 * engine's. The request itself is made by Spring AI's own {@code OpenAiChatModel}, one per provider,
 * with the SDK's retries off; {@link io.keycycle.spring.KeyRoutes} puts the admitted key on each
 * request at the HTTP level and keeps the answer's headers for classification.
 *
 * <p>Operations: {@link io.keycycle.spring.KeycycleHealthIndicator} (Actuator's {@code keycycle}
 * health component) and {@link io.keycycle.spring.KeycycleMetrics} (Micrometer). Start-up
 * problems are reported by {@link io.keycycle.spring.KeycycleFailureAnalyzer} with the property to
 * fix.
 */
package io.keycycle.spring;
