/**
 * Measurements of the engine and the store, not tests of them: JMH benchmarks of admission
 * ({@link io.keycycle.bench.AdmissionBenchmark}, {@link io.keycycle.bench.ScalingBenchmark},
 * {@link io.keycycle.bench.AdmissionStoreBenchmark} with a store as listener), the per-bucket memory
 * check ({@link io.keycycle.bench.MemoryFootprint}) and the store's writer throughput and hydration
 * time ({@link io.keycycle.bench.StoreBenchmark}, a timed main class). The build compiles them
 * into {@code target/benchmarks.jar} and never runs them; {@code docs/benchmarks.md} records the
 * commands and the figures.
 *
 * <p>Every key here is obviously fake ({@code gsk_bench_000…0042}) and no benchmark touches the
 * network (the store benchmark talks to a MariaDB on 127.0.0.1). Fixtures: {@link io.keycycle.bench.FakeKeys}, {@link io.keycycle.bench.ScaledLimits} (the
 * built-in catalog with every limit multiplied, so a benchmark measures the steady state rather than
 * "every key full") and {@link io.keycycle.bench.SteppingClock} (time that moves only when the
 * benchmark says so).
 */
package io.keycycle.bench;
