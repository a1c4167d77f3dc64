package io.keycycle.bench;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.config.Catalog;
import io.keycycle.core.pool.KeyPool;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Memory per quota bucket (target: at most 1 KiB) measured two ways:
 * <ol>
 *   <li>JOL: the object graph of one {@code QuotaBucket} (package-private; read by reflection from
 *       the pool's {@code buckets} map after one admission), in full and without the objects it
 *       shares with the rest of the pool (its {@code Limits}, one instance per distinct value in a
 *       pool, its {@code DailyReset}, the model name, the scope name that belongs to the key);</li>
 *   <li>the heap: used memory after {@code System.gc()} before and after building a pool of
 *       {@value #KEYS} keys and touching one model (which creates one bucket per key), repeated
 *       {@value #ROUNDS} times, plus the JOL graph of the whole pool as a cross-check.</li>
 * </ol>
 * Run: {@code java -cp keycycle-bench/target/benchmarks.jar io.keycycle.bench.MemoryFootprint}.
 */
public final class MemoryFootprint {

    static final int KEYS = 10_000;
    static final int ROUNDS = 5;
    static final long KIB = 1024;

    private MemoryFootprint() {
    }

    public static void main(String[] args) throws Exception {
        if (!Boolean.getBoolean("jdk.attach.allowAttachSelf")) {
            // Without the agent JOL reads field offsets through Unsafe, which refuses records (Limits): use its fallback.
            System.setProperty("jol.magicFieldOffset", "true");
        }
        Catalog catalog = Catalog.builtIn();
        System.out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                + "), max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        System.out.println();
        System.out.println("== One QuotaBucket (JOL) ==");
        boolean bucketOk = true;
        for (String provider : List.of("groq", "gemini")) bucketOk &= oneBucket(catalog, provider);
        System.out.println();
        System.out.println("== Pool of " + KEYS + " groq keys, one model touched ==");
        boolean perKeyOk = heapPerKey(catalog);
        System.out.println();
        System.out.println("RESULT: one QuotaBucket (owned graph) " + (bucketOk ? "<=" : ">") + " 1 KiB");
        System.out.println("RESULT: heap per key for touching one model (bucket + its index entries) " + (perKeyOk ? "<=" : ">") + " 1 KiB");
    }

    private static KeyPool pool(Catalog catalog, String provider, List<ApiKey> keys) {
        return KeyPool.builder(catalog.provider(provider))
                .keys(keys)
                .limits(catalog.resolver(provider))
                .profile(ProviderProfiles.forProvider(provider))
                .build();
    }

    private static void touch(KeyPool pool) {
        pool.acquire(pool.spec().defaultModel(), 500).success(AdmissionBenchmark.USAGE);
    }

    private static boolean oneBucket(Catalog catalog, String provider) throws ReflectiveOperationException {
        ProviderSpec spec = catalog.provider(provider);
        List<ApiKey> keys = FakeKeys.of(provider, 1);
        KeyPool pool = pool(catalog, provider, keys);
        touch(pool);
        Map<?, ?> buckets = (Map<?, ?>) field(pool.stateStore(), "buckets"); // the in-process store's buckets
        if (buckets.size() != 1) throw new IllegalStateException("expected one bucket, found " + buckets.size());
        Object bucket = buckets.values().iterator().next();

        GraphLayout full = GraphLayout.parseInstance(bucket);
        // The pool shares one Limits instance per distinct value between its buckets (and the DailyReset, names).
        GraphLayout shared = GraphLayout.parseInstance(field(bucket, "dailyReset"), field(bucket, "model"), keys.get(0).scope(),
                field(bucket, "limits"), field(bucket, "table"), pool.provider(), field(bucket, "time"));
        GraphLayout owned = full.subtract(shared);
        System.out.printf("%s (%s, daily reset %s, model %s):%n", provider, spec.strategy(), spec.dailyReset(), spec.defaultModel());
        System.out.printf("  shallow QuotaBucket            %5d bytes%n", ClassLayout.parseInstance(bucket).instanceSize());
        System.out.printf("  graph, everything reachable    %5d bytes (%d objects)%n", full.totalSize(), full.totalCount());
        System.out.printf("  graph owned by the bucket      %5d bytes (%d objects; without the shared Limits, DailyReset, model and scope names)%n",
                owned.totalSize(), owned.totalCount());
        System.out.println(indent(owned.toFootprint()));
        return owned.totalSize() <= KIB;
    }

    private static boolean heapPerKey(Catalog catalog) throws ReflectiveOperationException {
        long[] built = new long[ROUNDS], touched = new long[ROUNDS], total = new long[ROUNDS];
        KeyPool last = null;
        for (int r = 0; r < ROUNDS; r++) {
            List<ApiKey> keys = FakeKeys.of("groq", KEYS);
            long before = usedAfterGc();
            KeyPool pool = pool(catalog, "groq", keys);
            long afterBuild = usedAfterGc();
            touch(pool);
            long afterTouch = usedAfterGc();
            Reference.reachabilityFence(keys);
            Reference.reachabilityFence(pool);
            built[r] = afterBuild - before;
            touched[r] = afterTouch - afterBuild;
            total[r] = afterTouch - before;
            System.out.printf("  round %d: build %,d B, touch one model %,d B, total %,d B -> %d B per key%n",
                    r + 1, built[r], touched[r], total[r], total[r] / KEYS);
            last = pool;
        }
        long medBuilt = median(built) / KEYS, medTouched = median(touched) / KEYS, medTotal = median(total) / KEYS;
        System.out.printf("  heap median per key: pool structures %d B + ring and bucket of the touched model %d B = %d B%n",
                medBuilt, medTouched, medTotal);

        // Cross-check with JOL: the pool's own graph (keys, spec, profile and resolver excluded), per key.
        GraphLayout pool = GraphLayout.parseInstance(last);
        GraphLayout outside = GraphLayout.parseInstance(last.keys().toArray());
        Object ctx = field(last, "ctx"); // the pool's shared context holds the resolver; the store holds the buckets
        outside = outside.add(GraphLayout.parseInstance(last.spec(), last.profile(), field(ctx, "resolver")));
        GraphLayout own = pool.subtract(outside);
        Map<?, ?> buckets = (Map<?, ?>) field(last.stateStore(), "buckets");
        System.out.printf("  JOL: pool graph without keys/spec/profile/resolver %,d B for %d keys and %d buckets -> %d B per key%n",
                own.totalSize(), KEYS, buckets.size(), own.totalSize() / KEYS);
        System.out.println(indent(top(own.toFootprint(), 12)));
        return medTouched <= KIB;
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long prev = Long.MAX_VALUE, used = rt.totalMemory() - rt.freeMemory();
        // Collect until the reading stops falling (finalizers, reference processing); bounded.
        for (int i = 0; i < 10 && used < prev; i++) {
            prev = used;
            System.gc();
            used = rt.totalMemory() - rt.freeMemory();
        }
        return used;
    }

    private static long median(long[] xs) {
        long[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    private static String indent(String s) { return "    " + s.strip().replace("\n", "\n    "); }

    /** The header and the {@code n} largest rows of a JOL footprint table, then its total line. */
    private static String top(String footprint, int n) {
        String[] lines = footprint.strip().split("\n");
        List<String> rows = new ArrayList<>(Arrays.asList(lines).subList(2, lines.length - 1));
        rows.sort((a, b) -> Long.compare(sumColumn(b), sumColumn(a)));
        StringBuilder sb = new StringBuilder(lines[0]).append('\n').append(lines[1]).append('\n');
        rows.stream().limit(n).forEach(r -> sb.append(r).append('\n'));
        return sb.append(lines[lines.length - 1]).toString();
    }

    private static long sumColumn(String row) {
        String[] parts = row.trim().split("\\s+");
        try {
            return Long.parseLong(parts[2]);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
