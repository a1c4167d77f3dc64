package io.keycycle.store;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Lab harness (session 12): ns and bytes allocated per usage line for the three ways the write-ahead
 * line has been made: Jackson's generator into a reused buffer (what real records took until
 * 2026-12-02), one concatenated string encoded as UTF-8, and UsageLine. One thread, 3 rounds of
 * 2,000,000 lines after 2,000,000 of warm-up each. After `./mvnw -q -DskipTests install`:
 *   CP=keycycle-store/target/classes:keycycle-core/target/classes:keycycle-bench/target/benchmarks.jar
 *   javac -cp $CP -d /tmp/ult keycycle-bench/results/session12/UsageLineTime.java && java -cp /tmp/ult:$CP io.keycycle.store.UsageLineTime
 */
public class UsageLineTime {
    static final JsonFactory F = new JsonFactory();
    static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    static long sink;

    public static void main(String[] a) throws Exception {
        String fp = io.keycycle.core.ApiKey.fingerprint("fake-key-for-tests-0001");
        StoredEvent.Usage u = new StoredEvent.Usage(123456789L, "0123456789abcdef0123456789abcdef", "race", "key-" + fp, fp,
                "static-model", 1767225600123L, 1, 12, 7, 19, "SUCCESS", 200);
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        UsageLine line = new UsageLine();
        for (int round = 1; round <= 3; round++) {
            for (String way : new String[] {"generator", "concat", "UsageLine"}) {
                run(way, u, out, line, 2_000_000);
                long t0 = System.nanoTime(), b0 = MX.getCurrentThreadAllocatedBytes();
                run(way, u, out, line, 2_000_000);
                long t1 = System.nanoTime(), b1 = MX.getCurrentThreadAllocatedBytes();
                System.out.printf("round %d %-9s %6.1f ns/line %6.0f B/line%n", round, way, (t1 - t0) / 2e6, (b1 - b0) / 2e6);
            }
        }
        System.out.println(sink);
    }

    static void run(String way, StoredEvent.Usage u, ByteArrayOutputStream out, UsageLine line, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            switch (way) {
                case "generator" -> {
                    out.reset();
                    try (JsonGenerator g = F.createGenerator(out, JsonEncoding.UTF8)) {
                        g.writeStartObject();
                        g.writeStringField("t", "usage"); g.writeNumberField("seq", u.seq() + i); g.writeStringField("eventId", u.eventId());
                        g.writeStringField("provider", u.provider()); g.writeStringField("scope", u.scope()); g.writeStringField("keyFp", u.keyFp());
                        g.writeStringField("model", u.model()); g.writeNumberField("ts", u.ts()); g.writeNumberField("requests", u.requests());
                        g.writeNumberField("promptTokens", u.promptTokens()); g.writeNumberField("completionTokens", u.completionTokens());
                        g.writeNumberField("chargedTokens", u.chargedTokens()); g.writeStringField("outcome", u.outcome()); g.writeNumberField("status", u.status());
                        g.writeEndObject(); g.writeRaw('\n');
                    }
                    sink += out.size();
                }
                case "concat" -> {
                    byte[] b = ("{\"t\":\"usage\",\"seq\":" + (u.seq() + i) + ",\"eventId\":\"" + u.eventId() + "\",\"provider\":\"" + u.provider()
                            + "\",\"scope\":\"" + u.scope() + "\",\"keyFp\":\"" + u.keyFp() + "\",\"model\":\"" + u.model() + "\",\"ts\":" + u.ts()
                            + ",\"requests\":" + u.requests() + ",\"promptTokens\":" + u.promptTokens() + ",\"completionTokens\":" + u.completionTokens()
                            + ",\"chargedTokens\":" + u.chargedTokens() + ",\"outcome\":\"" + u.outcome() + "\",\"status\":" + u.status() + "}\n")
                            .getBytes(StandardCharsets.UTF_8);
                    sink += b.length;
                }
                default -> {
                    if (!UsageLine.fits(u)) throw new AssertionError();
                    sink += line.encode(u);
                }
            }
        }
    }
}
