/**
 * Keeping provider knowledge true at run time, without I/O: {@link io.keycycle.core.learn.LimitLearner}
 * decides when a limit the provider reports (headers, 429 bodies) replaces the table's — a lower one
 * at once, a higher one once the provider has said so consistently — and
 * {@link io.keycycle.core.learn.ProbeSchedule} when a disabled key is asked again whether it works
 * (1 h doubling to 24 h for a bad key; daily for credit). The HTTP side of a probe is
 * {@link io.keycycle.core.client.KeyProbe}.
 */
package io.keycycle.core.learn;
