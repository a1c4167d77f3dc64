/**
 * Measurements of the engine, not tests of it: JMH benchmarks of admission
 * ({@link io.keycycle.bench.AdmissionBenchmark}, {@link io.keycycle.bench.ScalingBenchmark}) and
 * the per-bucket memory check ({@link io.keycycle.bench.MemoryFootprint}). The build compiles them
 * into {@code target/benchmarks.jar} and never runs them; {@code docs/benchmarks.md} records the
 * commands and the figures.
 *
 * <p>Every key here is obviously fake ({@code gsk_bench_000…0042}) and no benchmark touches the
 * network. Fixtures: {@link io.keycycle.bench.FakeKeys}, {@link io.keycycle.bench.ScaledLimits} (the
 * built-in catalog with every limit multiplied, so a benchmark measures the steady state rather than
 * "every key full") and {@link io.keycycle.bench.SteppingClock} (time that moves only when the
 * benchmark says so).
 */
package io.keycycle.bench;
