package io.keycycle.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;

import java.util.Locale;

/**
 * An OpenAI-compatible upstream that streams at a fixed pace, for the streams-at-scale benchmark
 * ({@code keycycle-bench/streams.sh}): every chat completion is answered with {@code --chunks}
 * content chunks {@code --interval-ms} apart, then a usage chunk and {@code [DONE]}. Each chunk
 * carries {@code "t"}, the {@link System#nanoTime()} at which it was written (on Linux one
 * monotonic clock for every process on the machine), so a client can measure each chunk's travel
 * time directly or through the gateway. Prints {@code UPSTREAM <port>}; runs until killed.
 *
 * <pre>
 * java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.PacedUpstream [--chunks 100] [--interval-ms 50] [--loops 1]
 * </pre>
 */
public final class PacedUpstream {

    private static final byte[] PREFIX = "data: {\"id\":\"chatcmpl-paced\",\"object\":\"chat.completion.chunk\",\"t\":"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}\n\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    public static void main(String[] args) {
        int chunks = 100;
        long interval = 50;
        int loops = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--chunks" -> chunks = Integer.parseInt(args[++i]);
                case "--interval-ms" -> interval = Long.parseLong(args[++i]);
                case "--loops" -> loops = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --chunks N --interval-ms N --loops N");
            }
        }
        int total = chunks;
        long every = interval;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).requestHandler(req -> {
            if (!req.path().endsWith("/chat/completions")) {
                req.response().setStatusCode(404).end();
                return;
            }
            req.body().onSuccess(body -> {
                HttpServerResponse r = req.response().setChunked(true)
                        .putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("cache-control", "no-cache");
                int[] sent = {0};
                long timer = vertx.setPeriodic(0, every, id -> {
                    if (r.closed() || r.ended()) {
                        vertx.cancelTimer(id);
                        return;
                    }
                    if (sent[0]++ < total) {
                        // a fixed prefix, the stamp's digits, a fixed suffix (String.format cost the harness 11 % of its CPU)
                        String t = Long.toString(System.nanoTime());
                        r.write(Buffer.buffer(PREFIX.length + t.length() + SUFFIX.length).appendBytes(PREFIX).appendString(t).appendBytes(SUFFIX));
                    } else {
                        vertx.cancelTimer(id);
                        r.write(String.format(Locale.ROOT, "data: {\"id\":\"chatcmpl-paced\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n", total, total + 12));
                        r.end("data: [DONE]\n\n");
                    }
                });
                r.closeHandler(v -> vertx.cancelTimer(timer));
            });
        }).listen(0, "127.0.0.1").onSuccess(s -> {
            System.out.println("UPSTREAM " + s.actualPort());
            System.out.flush();
        }).onFailure(e -> {
            e.printStackTrace();
            System.exit(1);
        });
    }

    private PacedUpstream() { }
}
