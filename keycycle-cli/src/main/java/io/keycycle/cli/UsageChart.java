package io.keycycle.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.OutcomeClass;
import io.keycycle.store.OutcomeMinute;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code keycycle usage --chart}: calls per interval per provider (and model) by outcome, as sparklines or JSON. */
final class UsageChart {

    private static final Map<OutcomeClass, String> LABEL = Map.of(OutcomeClass.ANSWERED, "answered", OutcomeClass.LIMITED, "429",
            OutcomeClass.REFUSED, "refused", OutcomeClass.ERROR, "error");

    private final KeycycleFactory factory;
    private final Duration since;
    private final boolean byModel;
    private final int width;
    private final boolean ascii;
    private final OutputFormat format;
    private final PrintWriter out;

    UsageChart(KeycycleFactory factory, Duration since, boolean byModel, int width, boolean ascii, OutputFormat format, PrintWriter out) {
        this.factory = factory;
        this.since = since;
        this.byModel = byModel;
        this.width = width;
        this.ascii = ascii;
        this.format = format;
        this.out = out;
    }

    int print() {
        if (format == OutputFormat.CSV) throw new CliFailure("--chart prints a table or JSON (--format json), not CSV");
        Instant now = factory.clock().instant();
        long lastMinute = Math.floorDiv(now.toEpochMilli(), 60_000L);
        long firstMinute = lastMinute - Math.max(1, since.toMinutes()) + 1;   // the current minute is the last of the range
        int minutes = (int) (lastMinute - firstMinute + 1);
        List<OutcomeMinute> rows;
        try (KeycycleStore store = factory.openExistingStore()) {
            rows = store.outcomesPerMinute(Instant.ofEpochMilli(firstMinute * 60_000L), Instant.ofEpochMilli((lastMinute + 1) * 60_000L));
        }
        // group -> 4 outcome classes of calls + 1 of tokens, per minute
        Map<String, long[][]> series = new TreeMap<>();
        for (OutcomeMinute r : rows) {
            String group = byModel ? r.provider() + " " + r.model() : r.provider();
            long[][] v = series.computeIfAbsent(group, g -> new long[5][minutes]);
            int i = (int) (Math.floorDiv(r.minute().toEpochMilli(), 60_000L) - firstMinute);
            if (i < 0 || i >= minutes) continue;
            v[r.outcome().ordinal()][i] += r.calls();
            v[4][i] += r.tokens();
        }
        int per = Math.max(1, (minutes + width - 1) / width);
        Instant from = Instant.ofEpochMilli(firstMinute * 60_000L);
        if (format == OutputFormat.JSON) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("from", from.toString());
            o.put("to", now.toString());
            o.put("bucket_minutes", per);
            ArrayNode a = o.putArray("series");
            series.forEach((group, v) -> {
                ObjectNode s = a.addObject();
                String[] parts = group.split(" ", 2);
                s.put("provider", parts[0]);
                if (byModel) s.put("model", parts[1]);
                for (OutcomeClass c : OutcomeClass.values()) {
                    ArrayNode values = s.putArray(c.label());
                    for (long x : Sparkline.bucket(v[c.ordinal()], (minutes + per - 1) / per)) values.add(x);
                }
                ArrayNode tokens = s.putArray("tokens");
                for (long x : Sparkline.bucket(v[4], (minutes + per - 1) / per)) tokens.add(x);
            });
            Json.print(out, o);
            return 0;
        }
        out.println("calls per " + Durations.format(Duration.ofMinutes(per)) + " from " + from + " to " + now
                + " (the last " + Durations.format(since) + "); one character per " + Durations.format(Duration.ofMinutes(per))
                + ", scaled to each group's busiest interval");
        if (series.isEmpty()) {
            out.println("no calls recorded in that range");
            return 0;
        }
        int nameWidth = 8;
        for (String g : series.keySet()) nameWidth = Math.max(nameWidth, g.length());
        for (Map.Entry<String, long[][]> e : series.entrySet()) {
            long[][] buckets = new long[5][];
            long max = 0;
            for (int c = 0; c < 5; c++) buckets[c] = Sparkline.bucket(e.getValue()[c], (minutes + per - 1) / per);
            for (int c = 0; c < 4; c++) max = Math.max(max, Sparkline.max(buckets[c]));
            boolean first = true;
            for (OutcomeClass c : OutcomeClass.values()) {
                long total = 0;
                for (long x : buckets[c.ordinal()]) total += x;
                if (total == 0 && c != OutcomeClass.ANSWERED) continue;
                out.printf("%-" + nameWidth + "s  %-8s |%s| %,d%n", first ? e.getKey() : "", LABEL.get(c),
                        Sparkline.of(buckets[c.ordinal()], max, ascii), total);
                first = false;
            }
            long tokens = 0;
            for (long x : buckets[4]) tokens += x;
            long tmax = Sparkline.max(buckets[4]);
            out.printf("%-" + nameWidth + "s  %-8s |%s| %,d%n", "", "tokens", Sparkline.of(buckets[4], tmax, ascii), tokens);
        }
        return 0;
    }
}
