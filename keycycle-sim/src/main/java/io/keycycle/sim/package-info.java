/**
 * A local, faithful fake of Cerebras, Groq, Gemini (its OpenAI-compatible endpoint) and
 * OpenRouter, for end-to-end tests, {@code keycycle demo} and load benchmarks.
 *
 * <p>{@link io.keycycle.sim.Simulator} is the front door: one JDK {@code HttpServer} serving every
 * provider under a path prefix that mirrors its real base URL. {@link io.keycycle.sim.SimProvider}
 * (with {@link io.keycycle.sim.SimKey} and {@link io.keycycle.sim.SimLimits}) is the immutable
 * configuration; {@link io.keycycle.sim.ProviderControl} the runtime switches (kill a key, change
 * limits, queue faults); {@link io.keycycle.sim.SimStats} counts what was answered, showing keys
 * only by index and a four-character mask. {@link io.keycycle.sim.SimulatorExtension} gives JUnit
 * tests a started simulator, {@link io.keycycle.sim.SimulatorMain} runs it standalone.
 *
 * <p>Inside, a {@code Dialect} per provider renders bodies, headers and stream frames exactly as
 * providers.md records them, and a {@code Bucket} per (scope, model) keeps exact sliding windows
 * (a list of timestamps: this is a fake, not the engine). This module deliberately does not depend
 * on {@code keycycle-core}: it fakes the providers, so it must not share the engine's assumptions.
 */
package io.keycycle.sim;
