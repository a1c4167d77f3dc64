package io.keycycle.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The stream load generator of {@code keycycle-bench/streams.sh}: keeps {@code --streams} chat
 * streams open at once against {@code --url} (a stream that ends is replaced at once), reads every
 * event, and records each chunk's travel time from the {@code "t"} the {@link PacedUpstream}
 * stamped on it (System.nanoTime, one monotonic clock for all processes of the machine). Chunks
 * of the first {@code --warmup} seconds are not recorded. Prints one result line.
 *
 * <pre>
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.StreamLoad --url http://127.0.0.1:PORT/v1/chat/completions \
 *      --name gateway [--streams 1000] [--seconds 30] [--warmup 5] [--model race/static-model]
 * </pre>
 */
public final class StreamLoad {

    public static void main(String[] args) throws Exception {
        String url = null, name = "run", model = "race/static-model";
        int streams = 1000, seconds = 30, warmup = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--name" -> name = args[++i];
                case "--model" -> model = args[++i];
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (url == null) throw new IllegalArgumentException("--url is required");
        URI u = URI.create(url);
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":200,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Stream for a while.\"}]}";
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        HttpClientAgent http = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(10_000))
                .with(new PoolOptions().setHttp1MaxSize(streams + 16).setMaxWaitQueueSize(-1)).build();
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(u.getHost()).setPort(u.getPort())
                .setURI(u.getRawPath()).putHeader("content-type", "application/json").putHeader("accept", "text/event-stream");

        long start = System.nanoTime();
        long recordFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        long end = start + TimeUnit.SECONDS.toNanos(warmup + seconds);
        long[] micros = new long[Math.max(1_000_000, streams * 25 * (seconds + 5))];
        AtomicLong recorded = new AtomicLong();
        LongAdder opened = new LongAdder(), completed = new LongAdder(), failed = new LongAdder(), chunks = new LongAdder();
        CountDownLatch done = new CountDownLatch(streams);
        Buffer payload = Buffer.buffer(body);

        class Slot {
            void next() {
                if (System.nanoTime() >= end) {
                    done.countDown();
                    return;
                }
                opened.increment();
                http.request(ro).compose(req -> req.send(payload)).onComplete(ar -> {
                    if (ar.failed() || ar.result().statusCode() != 200) {
                        failed.increment();
                        if (ar.succeeded()) ar.result().end();
                        vertx.setTimer(100, id -> next());
                        return;
                    }
                    RecordParser lines = RecordParser.newDelimited("\n", line -> {
                        int at = line.length() > 6 ? indexOf(line, "\"t\":") : -1;
                        if (at < 0) return;
                        long now = System.nanoTime();
                        long t = parseLong(line, at + 4);
                        chunks.increment();
                        if (now >= recordFrom && now < end) {
                            long i = recorded.getAndIncrement();
                            if (i < micros.length) micros[(int) i] = (now - t) / 1_000;
                        }
                    });
                    lines.maxRecordSize(1 << 20);
                    ar.result().handler(lines).exceptionHandler(e -> failed.increment()).endHandler(v -> {
                        completed.increment();
                        next();
                    });
                });
            }
        }
        for (int i = 0; i < streams; i++) {
            Slot s = new Slot();
            vertx.setTimer(1 + (i * 1000L / streams), id -> s.next()); // spread the openings over a second
        }
        done.await(warmup + seconds + 120L, TimeUnit.SECONDS);
        int n = (int) Math.min(recorded.get(), micros.length);
        long[] lat = Arrays.copyOf(micros, n);
        Arrays.sort(lat);
        System.out.printf(Locale.ROOT, "RESULT %s streams=%d seconds=%d opened=%d completed=%d failed=%d chunks=%d chunks/s=%.0f "
                        + "latency_ms p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f%n",
                name, streams, seconds, opened.sum(), completed.sum(), failed.sum(), chunks.sum(), n / (double) seconds,
                pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 99.9), n == 0 ? Double.NaN : lat[n - 1] / 1000.0);
        http.close();
        vertx.close();
        System.exit(0);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1000.0;
    }

    private static int indexOf(Buffer b, String s) {
        outer:
        for (int i = 0, n = b.length() - s.length(); i <= n; i++) {
            for (int j = 0; j < s.length(); j++) if (b.getByte(i + j) != s.charAt(j)) continue outer;
            return i;
        }
        return -1;
    }

    private static long parseLong(Buffer b, int from) {
        long v = 0;
        boolean neg = false;
        int i = from;
        if (i < b.length() && b.getByte(i) == '-') {
            neg = true;
            i++;
        }
        for (; i < b.length(); i++) {
            byte c = b.getByte(i);
            if (c < '0' || c > '9') break;
            v = v * 10 + (c - '0');
        }
        return neg ? -v : v;
    }

    private StreamLoad() { }
}
