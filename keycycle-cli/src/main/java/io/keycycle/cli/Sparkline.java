package io.keycycle.cli;

/**
 * One line of block characters for a series of counts, scaled to the series' maximum: what
 * {@code keycycle usage --chart} prints per provider. Plain text (eight Unicode block heights, or
 * {@code .:-=+*#@} with {@code ascii}), so it works in any terminal and over SSH. Zero is a space,
 * any non-zero count at least the lowest block, so a single refused call still shows.
 */
final class Sparkline {

    private static final char[] BLOCKS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};
    private static final char[] ASCII = {'.', ':', '-', '=', '+', '*', '#', '@'};

    private Sparkline() { }

    static String of(long[] values, long max, boolean ascii) {
        char[] marks = ascii ? ASCII : BLOCKS;
        StringBuilder sb = new StringBuilder(values.length);
        for (long v : values) {
            if (v <= 0 || max <= 0) {
                sb.append(' ');
            } else {
                int level = (int) Math.min(marks.length - 1, (v * marks.length - 1) / max);
                sb.append(marks[Math.max(0, level)]);
            }
        }
        return sb.toString();
    }

    /** Sums {@code minutes} (one count per minute) into {@code buckets} equal groups, the last one possibly shorter. */
    static long[] bucket(long[] minutes, int buckets) {
        int per = Math.max(1, (minutes.length + buckets - 1) / buckets);
        long[] out = new long[(minutes.length + per - 1) / per];
        for (int i = 0; i < minutes.length; i++) out[i / per] += minutes[i];
        return out;
    }

    static long max(long[] values) {
        long m = 0;
        for (long v : values) m = Math.max(m, v);
        return m;
    }
}
