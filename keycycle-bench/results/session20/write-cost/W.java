import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.*;
public class W {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int group = Integer.parseInt(a[1]);
        byte[] line = new byte[300]; java.util.Arrays.fill(line, (byte) 'x'); line[299] = '\n';
        ByteBuffer buf = ByteBuffer.allocate(300 * group);
        for (int round = 0; round < 4; round++) {
            Path f = dir.resolve("w-" + round + ".jsonl");
            Files.deleteIfExists(f);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                int n = 600_000;
                long t0 = System.nanoTime();
                long c0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                for (int i = 0; i < n; i += group) {
                    buf.clear();
                    for (int g = 0; g < group; g++) buf.put(line);
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    if (ch.position() > (1 << 20) * 64L) { ch.truncate(0); }
                }
                long c1 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                System.out.printf("%s group %d: %.2f us CPU per line, %.2f us wall%n", dir, group, (c1 - c0) / 1e3 / n, (System.nanoTime() - t0) / 1e3 / n);
            }
            Files.deleteIfExists(f);
        }
    }
}
