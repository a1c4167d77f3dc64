package io.keycycle.bench;

import io.keycycle.Keycycle;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.gateway.KeycycleGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The C helpers of {@code streams.sh} ({@code native/paced.c}), built with the machine's C compiler
 * and run for real: the load generator against the pacing upstream directly and through a real
 * gateway and through the two floors' pipes ({@code NettyProxy}, {@code BareProxy}), every stream
 * delivering every chunk. Skipped where there is no {@code cc}.
 */
class PacedHelpersTest {

    private static final Pattern RESULT = Pattern.compile(
            "^RESULT (\\S+) streams=(\\d+) seconds=(\\d+) opened=(\\d+) completed=(\\d+) failed=(\\d+) chunks=(\\d+) chunks/s=(\\d+) "
                    + "latency_ms p50=([0-9.]+) p90=([0-9.]+) p99=([0-9.]+) p99\\.9=([0-9.]+) max=([0-9.]+)$");

    @TempDir
    static Path dir;
    private static Path paced;
    private static Process upstream;
    private static int upstreamPort;

    @BeforeAll
    static void buildAndStartTheUpstream() throws Exception {
        assumeTrue(ccIsThere(), "no C compiler (cc) on the PATH");
        paced = dir.resolve("paced");
        Process cc = new ProcessBuilder("cc", "-O2", "-Wall", "-Werror", "-o", paced.toString(), Path.of("native/paced.c").toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cc.waitFor()).as("cc output: " + out).isZero();
        upstream = new ProcessBuilder(paced.toString(), "upstream", "--chunks", "5", "--interval-ms", "10").start();
        String first = new BufferedReader(new InputStreamReader(upstream.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertThat(first).startsWith("UPSTREAM ");
        upstreamPort = Integer.parseInt(first.substring("UPSTREAM ".length()).trim());
    }

    @AfterAll
    static void stopTheUpstream() {
        if (upstream != null) upstream.destroyForcibly();
    }

    @Test
    void everyStreamDeliversEveryChunkStraightFromTheUpstream() throws Exception {
        Matcher r = load("http://127.0.0.1:" + upstreamPort + "/v1/chat/completions", "direct");
        assertEveryStreamWhole(r);
    }

    @Test
    void everyStreamDeliversEveryChunkThroughTheGateway() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("NUM_PACED", "2");
        env.put("PACED_API_KEY_1", "paced-fake-key-for-tests-0001");
        env.put("PACED_API_KEY_2", "paced-fake-key-for-tests-0002");
        KeycycleConfig config = KeycycleConfig.parse("""
                providers:
                  paced:
                    base-url: http://127.0.0.1:%d/v1
                    default-model: static-model
                    models:
                      static-model: { rpm: unlimited, rph: unlimited, rpd: unlimited, tpm: unlimited, tph: unlimited, tpd: unlimited }
                """.formatted(upstreamPort), env, "paced test");
        try (Keycycle kc = Keycycle.builder().env(env).config(config).shutdownHook(false).build();
             KeycycleGateway gw = KeycycleGateway.builder().keycycle(kc).port(0).build()) {
            gw.start();
            Matcher r = load(gw.url() + "/v1/chat/completions", "gateway");
            assertEveryStreamWhole(r);
            long served = (long) gw.meterRegistry().find("keycycle.gateway.requests").timers().stream().mapToLong(t -> t.count()).sum();
            assertThat(served).as("streams the gateway served").isEqualTo(Long.parseLong(r.group(5)));
        }
    }

    @Test
    void everyStreamDeliversEveryChunkThroughTheNettyPipe() throws Exception {
        assertEveryStreamWhole(throughRelay("io.keycycle.bench.NettyProxy", "netty-floor"));
    }

    @Test
    void everyStreamDeliversEveryChunkThroughTheVertxPipe() throws Exception {
        assertEveryStreamWhole(throughRelay("io.keycycle.bench.BareProxy", "vertx-floor"));
    }

    /** The load through one of the streams' floors, started with {@code --pipe} in its own JVM as streams.sh does. */
    private static Matcher throughRelay(String main, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process relay = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), main,
                "--upstream", "http://127.0.0.1:" + upstreamPort + "/v1", "--pipe")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
            String url = null;
            for (String line; url == null && (line = out.readLine()) != null; ) {
                if (line.startsWith("GATEWAY ")) url = line.substring("GATEWAY ".length()).trim();
            }
            assertThat(url).as(main + " printed its url").isNotNull();
            Matcher r = load(url + "/v1/chat/completions", name);
            relay.getOutputStream().close(); // it serves until its stdin closes
            String rest = new String(relay.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(relay.waitFor(30, TimeUnit.SECONDS)).as(main + " ended").isTrue();
            assertThat(rest).contains("requests served: " + r.group(5));
            return r;
        } finally {
            relay.destroyForcibly();
        }
    }

    @Test
    void aBadUrlIsRefusedWithItsReason() throws Exception {
        Process p = new ProcessBuilder(paced.toString(), "load", "--url", "https://example.invalid/v1", "--name", "x")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out).contains("--url must start with http://");
    }

    /** 6 streams for 2 s, all recorded (no warm-up); the result line parsed. */
    private static Matcher load(String url, String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(paced.toString(), "load", "--url", url, "--name", name,
                "--streams", "6", "--seconds", "2", "--warmup", "0", "--model", "paced/static-model"))
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("load generator finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as(out).isZero();
        Matcher m = RESULT.matcher(out);
        assertThat(m.matches()).as("result line: " + out).isTrue();
        assertThat(m.group(1)).isEqualTo(name);
        return m;
    }

    /** Nothing failed, every stream that opened completed, each with its 5 stamped chunks. */
    private static void assertEveryStreamWhole(Matcher r) {
        long opened = Long.parseLong(r.group(4)), completed = Long.parseLong(r.group(5)), failed = Long.parseLong(r.group(6));
        long chunks = Long.parseLong(r.group(7));
        assertThat(failed).as("failed streams").isZero();
        assertThat(completed).as("completed streams").isEqualTo(opened).isGreaterThanOrEqualTo(6);
        assertThat(chunks).as("stamped chunks, 5 per stream").isEqualTo(5 * completed);
        assertThat(Double.parseDouble(r.group(11))).as("p99 travel time, ms").isGreaterThanOrEqualTo(0.0);
    }

    private static boolean ccIsThere() {
        try {
            Process p = new ProcessBuilder("cc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

}
