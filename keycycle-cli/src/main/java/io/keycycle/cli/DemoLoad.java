package io.keycycle.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * The demo's clients: programs that know nothing of Keycycle and talk to the gateway like any
 * OpenAI client would — a mix of tiers and provider/model targets, a third of them streaming, and
 * one retry after a 429 when the gateway's {@code Retry-After} is short (as the OpenAI SDKs do).
 * The request rate follows a schedule so the run has quiet stretches and bursts.
 */
final class DemoLoad implements AutoCloseable {

    /** A target and its share of the traffic. */
    record Target(String model, double weight) { }

    static final List<Target> MIX = List.of(
            new Target("fast", 0.35),
            new Target("strong", 0.25),
            new Target("openrouter/" + DemoWorld.OPENROUTER_MODEL, 0.15),
            new Target("gemini/" + DemoWorld.GEMINI_MODEL, 0.10),
            new Target("groq/" + DemoWorld.GROQ_STRONG, 0.15));

    private final URI chat;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService workers = Executors.newFixedThreadPool(24, r -> {
        Thread t = new Thread(r, "demo-client");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread pacer;

    final LongAdder sent = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder streamed = new LongAdder();
    final LongAdder rejected = new LongAdder();      // 429 from the gateway after the client's retry
    final LongAdder retried = new LongAdder();
    final LongAdder failed = new LongAdder();
    final AtomicLong lastRetryAfter = new AtomicLong(-1);
    final ConcurrentHashMap<String, LongAdder> servedBy = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final List<Long> latenciesMicros = new ArrayList<>();

    DemoLoad(URI gateway, String token) {
        this.chat = gateway.resolve("/v1/chat/completions");
        this.token = token;
    }

    /** Starts sending at {@code ratePerSecond.getAsDouble()} requests per second (re-read every tick). */
    void start(DoubleSupplier ratePerSecond) {
        pacer = new Thread(() -> {
            double credit = 0;
            long last = System.nanoTime();
            while (running.get()) {
                long now = System.nanoTime();
                credit += ratePerSecond.getAsDouble() * (now - last) / 1e9;
                last = now;
                while (credit >= 1 && running.get()) {
                    credit -= 1;
                    workers.execute(this::oneRequest);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "demo-pacer");
        pacer.setDaemon(true);
        pacer.start();
    }

    private void oneRequest() {
        if (!running.get()) return;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        String model = pick(rnd.nextDouble());
        boolean stream = rnd.nextDouble() < 0.33;
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":" + (60 + rnd.nextInt(120))
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"You are a terse assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"" + PROMPTS[rnd.nextInt(PROMPTS.length)] + "\"}]}";
        sent.increment();
        long t0 = System.nanoTime();
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                HttpRequest.Builder rb = HttpRequest.newBuilder(chat).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
                if (token != null) rb.header("Authorization", "Bearer " + token);
                HttpResponse<InputStream> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
                byte[] content;
                try (InputStream in = r.body()) {
                    content = in.readAllBytes();
                }
                if (r.statusCode() == 200) {
                    ok.increment();
                    if (stream) streamed.increment();
                    String provider = r.headers().firstValue("x-keycycle-provider").orElse("?");
                    servedBy.computeIfAbsent(provider, k -> new LongAdder()).increment();
                    synchronized (latenciesMicros) {
                        latenciesMicros.add((System.nanoTime() - t0) / 1000);
                    }
                    return;
                }
                if (r.statusCode() == 429) {
                    long wait = r.headers().firstValue("retry-after").map(DemoLoad::seconds).orElse(-1L);
                    lastRetryAfter.set(wait);
                    if (attempt == 0 && wait >= 0 && wait <= 3 && running.get()) {
                        retried.increment();
                        Thread.sleep(Math.max(200, wait * 1000));
                        continue;
                    }
                    rejected.increment();
                    return;
                }
                failed.increment();
                String what = r.statusCode() + " " + new String(content, 0, Math.min(content.length, 160), StandardCharsets.UTF_8);
                failures.computeIfAbsent(what, k -> new LongAdder()).increment();
                return;
            }
        } catch (IOException e) {
            if (running.get()) {
                failed.increment();
                failures.computeIfAbsent("I/O: " + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long seconds(String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String pick(double x) {
        double acc = 0;
        for (Target t : MIX) {
            acc += t.weight();
            if (x < acc) return t.model();
        }
        return MIX.get(0).model();
    }

    /** Median and 99th percentile end-to-end latency of successful requests, in milliseconds. */
    double[] latencyMillis() {
        List<Long> copy;
        synchronized (latenciesMicros) {
            copy = new ArrayList<>(latenciesMicros);
        }
        if (copy.isEmpty()) return new double[]{0, 0};
        copy.sort(Long::compare);
        return new double[]{copy.get(copy.size() / 2) / 1000.0, copy.get(Math.min(copy.size() - 1, (int) (copy.size() * 0.99))) / 1000.0};
    }

    /** Stops sending and waits (bounded) for requests in flight. */
    @Override
    public void close() {
        running.set(false);
        if (pacer != null) pacer.interrupt();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(15, TimeUnit.SECONDS)) workers.shutdownNow();
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static final String[] PROMPTS = {
            "Summarise the incident report in one line.",
            "Suggest a name for a payments microservice.",
            "What is the capital of Portugal?",
            "Translate 'good morning' into Spanish.",
            "Give one tip for writing readable Java.",
            "Classify this ticket: the login page is slow.",
            "Write a haiku about rate limits.",
            "Explain idempotency in one sentence."};
}
