/**
 * Quota forecasts and capacity planning: pure arithmetic over numbers other parts collect.
 *
 * <p>{@link io.keycycle.core.forecast.QuotaForecast} answers "at the rate of the last N minutes,
 * when does today's quota of this scope and model run out, and how much of today is left?" from a
 * pool snapshot's daily counters, a rate and the provider's {@link io.keycycle.core.DailyReset}.
 * {@link io.keycycle.core.forecast.Forecaster} does it for every scope, model and daily limit of a
 * set of snapshots, with the rates from a {@link io.keycycle.core.forecast.RateSource} (the gateway
 * counts the last minutes in memory; the command line reads the store's per-minute aggregate).
 *
 * <p>{@link io.keycycle.core.forecast.CapacityPlan} answers "how many more scopes (keys in their
 * own organisation or project) would have served the last day's demand?" from per-minute demand,
 * refused and rate-limited calls included, and a scope's limits.
 *
 * <p>Nothing here reads a clock: every computation takes {@code now}, so tests pin it exactly.
 */
package io.keycycle.core.forecast;
