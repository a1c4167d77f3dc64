package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lab tool for keycycle-bench/results/wal/notes.md (not part of the build): how long one
 * WriteAheadLog.append holds the log's monitor, on one thread, against how long the JSON line alone
 * takes (Journal.writeLine into a reused buffer). Compiled against a benchmarks.jar and run with it:
 *
 *   javac -cp benchmarks.jar -d /tmp/walt WalAppendTime.java
 *   java -Xms256m -Xmx256m -cp benchmarks.jar:/tmp/walt io.keycycle.store.WalAppendTime [appends per round] [rounds]
 *
 * Each append is timed with System.nanoTime (about 20-30 ns of it is the clock itself); rolled
 * files are deleted after each round (committedThrough), as the writer thread does.
 */
public final class WalAppendTime {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path dir = Files.createTempDirectory("wal-append-time");
        ObjectMapper json = KeycycleStore.journalMapper();
        int nonce = 0x5eed1234;
        WriteAheadLog wal = new WriteAheadLog(dir, json, nonce, false, new AtomicLong());
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        long[] append = new long[n];
        long[] serialise = new long[n];
        long seq = System.currentTimeMillis() * 1000L;
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) {
                StoredEvent e = event(++seq, nonce);
                long t0 = System.nanoTime();
                wal.append(e);
                long t1 = System.nanoTime();
                line.reset();
                byte[] lb = Journal.line(json, e); line.reset(); line.write(lb, 0, lb.length);
                long t2 = System.nanoTime();
                append[i] = t1 - t0;
                serialise[i] = t2 - t1;
            }
            wal.committedThrough(seq);
            if (r >= rounds / 2) { // the first half warms up
                System.out.printf("round %d: append %s | line alone %s (line %d bytes)%n", r, stats(append), stats(serialise), line.size());
            }
        }
        wal.discard();
        Files.deleteIfExists(dir);
    }

    private static StoredEvent event(long seq, int nonce) {
        return new StoredEvent.Usage(seq, StoredEvent.eventId(seq, nonce), "race", "race:0a1b2c3d", "0a1b2c3d\u20260001",
                "static-model", System.currentTimeMillis(), 1, 12, 7, 19, "SUCCESS", 200);
    }

    private static String stats(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0);
        return String.format("mean %.0f ns, p50 %d, p90 %d, p99 %d, p99.9 %d, max %d", mean, s[s.length / 2],
                s[(int) (s.length * 0.9)], s[(int) (s.length * 0.99)], s[(int) (s.length * 0.999)], s[s.length - 1]);
    }
}
