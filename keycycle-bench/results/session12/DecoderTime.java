import io.keycycle.core.client.*;
import java.nio.charset.StandardCharsets;
import java.lang.management.ManagementFactory;

/**
 * Lab harness (session 12): ns and bytes allocated per chunk event through StreamDecoder, whichever
 * keycycle-core is on the class path (a 180-byte chat.completion.chunk, 100 per decoder, 2 M per round):
 *   javac -cp keycycle-core/target/classes -d /tmp/dec keycycle-bench/results/session12/DecoderTime.java
 *   java -cp /tmp/dec:keycycle-core/target/classes:keycycle-bench/target/benchmarks.jar DecoderTime
 */
public class DecoderTime {
    static long sink;
    public static void main(String[] a) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String chunk = "data: {\"id\":\"chatcmpl-paced\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,\"model\":\"paced-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}\n\n";
        byte[] b = chunk.getBytes(StandardCharsets.UTF_8);
        for (int round = 1; round <= 5; round++) {
            long t0 = System.nanoTime(), b0 = mx.getCurrentThreadAllocatedBytes();
            int n = 0;
            for (int s = 0; s < 20_000; s++) {
                StreamDecoder d = new StreamDecoder("p", 1 << 20, e -> { sink += e.data().length(); return true; });
                for (int i = 0; i < 100; i++) { d.feed(b, 0, b.length); n++; }
            }
            long t1 = System.nanoTime(), b1 = mx.getCurrentThreadAllocatedBytes();
            System.out.printf("round %d: %.1f ns/chunk, %.0f B/chunk%n", round, (t1 - t0) / (double) n, (b1 - b0) / (double) n);
        }
        System.out.println(sink);
    }
}
