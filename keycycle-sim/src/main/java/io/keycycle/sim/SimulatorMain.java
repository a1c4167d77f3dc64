package io.keycycle.sim;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the simulator standalone and prints each provider's base URL:
 *
 * <pre>
 * java -cp … io.keycycle.sim.SimulatorMain [--port 9001] [--host 127.0.0.1] [--config sim.yaml]
 *      [--latency 50ms] [--chunk-interval 20ms] [--threads 64] [--keys 3] [--any-key]
 * </pre>
 *
 * Without {@code --config}: all four providers with their free-tier tables and {@code --keys} fake
 * keys each ({@link SimKey#fakeSecret}), one scope per key; {@code --any-key} accepts any secret.
 * Flags given after {@code --config} override the file's top-level settings.
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Simulator sim;
        try {
            sim = parse(args).build().start();
        } catch (IllegalArgumentException e) {
            System.err.println("keycycle-sim: " + e.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        printBaseUrls(sim, System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            System.out.println(sim.stats().table());
            stopped.countDown();
        }, "keycycle-sim-shutdown"));
        stopped.await();
    }

    static Simulator.Builder parse(String[] args) {
        Simulator.Builder b = Simulator.builder();
        Path config = null;
        int keys = 3;
        boolean anyKey = false;
        Integer port = null;
        String host = null;
        Duration latency = null;
        Duration chunk = null;
        Integer threads = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> port = integer(value(args, ++i, a), a);
                case "--host" -> host = value(args, ++i, a);
                case "--config" -> config = Path.of(value(args, ++i, a));
                case "--latency" -> latency = Durations.parse(value(args, ++i, a));
                case "--chunk-interval" -> chunk = Durations.parse(value(args, ++i, a));
                case "--threads" -> threads = integer(value(args, ++i, a), a);
                case "--keys" -> keys = integer(value(args, ++i, a), a);
                case "--any-key" -> anyKey = true;
                case "--help", "-h" -> {
                    usage(System.out);
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown flag '" + a + "'");
            }
        }
        if (config != null) {
            SimConfig.load(config, b);
        } else {
            for (ProviderKind k : ProviderKind.values()) {
                b.provider(SimProvider.builder(k).freeTierModels().fakeKeys(keys).acceptAnyKey(anyKey).build());
            }
        }
        if (port != null) {
            b.port(port);
        }
        if (host != null) {
            b.host(host);
        }
        if (latency != null) {
            b.latency(latency);
        }
        if (chunk != null) {
            b.chunkInterval(chunk);
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b;
    }

    static void printBaseUrls(Simulator sim, PrintStream out) {
        out.println("keycycle-sim listening on " + sim.rootUrl());
        for (ProviderKind k : sim.providers()) {
            ProviderControl p = sim.provider(k);
            out.printf("  %-11s %s   (%d keys: %s)%n", k.id(), sim.baseUrl(k), p.config().keys().size(),
                    p.config().keys().isEmpty() ? "-" : p.config().keys().get(0).mask()
                            + (p.config().keys().size() > 1 ? " …" : ""));
        }
    }

    private static int integer(String text, String flag) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a whole number, was '" + text + "'");
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(PrintStream out) {
        out.println("usage: SimulatorMain [--port N] [--host H] [--config sim.yaml] [--latency 50ms]"
                + " [--chunk-interval 20ms] [--threads N] [--keys N] [--any-key]");
    }
}
