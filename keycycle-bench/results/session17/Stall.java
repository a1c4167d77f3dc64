import java.util.concurrent.locks.LockSupport;
public class Stall {
    public static void main(String[] a) throws Exception {
        int seconds = Integer.parseInt(a[0]);
        long heapMb = Long.parseLong(a[1]);
        byte[][] heap = new byte[(int) heapMb][];
        for (int i = 0; i < heap.length; i++) { heap[i] = new byte[1 << 20]; for (int j = 0; j < heap[i].length; j += 4096) heap[i][j] = 1; }
        Thread t = new Thread(() -> { java.util.Random r = new java.util.Random(1); while (true) { for (int k = 0; k < 2000; k++) { byte[] b = heap[r.nextInt(heap.length)]; b[r.nextInt(256) * 4096]++; } LockSupport.parkNanos(1_000_000); } });
        t.setDaemon(true); t.start();
        long t0 = System.nanoTime(), end = t0 + seconds * 1_000_000_000L;
        long n = 0, over2 = 0, over5 = 0, extraNs = 0, max = 0;
        StringBuilder sb = new StringBuilder();
        while (System.nanoTime() < end) {
            long s = System.nanoTime();
            LockSupport.parkNanos(1_000_000);
            long late = System.nanoTime() - s - 1_000_000;
            n++;
            if (late > 2_000_000) { over2++; extraNs += late; if (late > 5_000_000) { over5++; sb.append(String.format("%.2f:%.1f ", (s - t0) / 1e9, late / 1e6)); } }
            if (late > max) max = late;
        }
        System.out.printf("parks %d, late>2ms %d, >5ms %d, lateness %.1f ms in %d s, max %.1f ms%n%s%n", n, over2, over5, extraNs / 1e6, seconds, max / 1e6, sb);
    }
}
