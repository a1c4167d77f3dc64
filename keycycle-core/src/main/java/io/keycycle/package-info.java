/**
 * The front door of the library: {@link io.keycycle.Keycycle} (every provider's pool, tiers,
 * fallback and escalation, the store when present), {@link io.keycycle.CallSpec} (how one call
 * behaves) and {@link io.keycycle.Served} (who served it). The engine underneath lives in
 * {@code io.keycycle.core.*}.
 */
package io.keycycle;
