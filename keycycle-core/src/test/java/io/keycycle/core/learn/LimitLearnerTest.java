package io.keycycle.core.learn;

import io.keycycle.core.Limits;
import io.keycycle.core.Limits.Metric;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LimitLearnerTest {

    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    /** Applies changes the way the pool does, so the tests see the limit in force. */
    static final class Harness {
        final LimitLearner learner = new LimitLearner("openrouter");
        final java.util.Map<String, LearnedLimit> inForce = new java.util.HashMap<>();

        LimitLearner.Change report(String scope, String model, Metric m, long table, long reported, Instant at) {
            String k = scope + "|" + model + "|" + m;
            LimitLearner.Change c = learner.observe(scope, model, m, table, inForce.get(k), reported, "src", at);
            if (c instanceof LimitLearner.Adopted a) inForce.put(k, a.limit());
            if (c instanceof LimitLearner.Dropped) inForce.remove(k);
            return c;
        }

        LearnedLimit get(String scope, String model, Metric m) { return inForce.get(scope + "|" + model + "|" + m); }
    }

    @Test
    void aLowerLimitIsAdoptedAtOnceAHigherOneOnlyWhenSaidConsistently() {
        Harness l = new Harness();
        LimitLearner.Change c = l.report("acct", "*", Metric.RPD, 1000, 50, T0);
        assertThat(c).isInstanceOf(LimitLearner.Adopted.class);
        LearnedLimit learned = ((LimitLearner.Adopted) c).limit();
        assertThat(learned.describe()).isEqualTo("rpd 1000 → 50, learned from src 2026-11-30T10:00:00Z");
        assertThat(learned.lowered()).isTrue();
        assertThat(l.get("acct", "*", Metric.RPD).value()).isEqualTo(50);

        assertThat(l.report("acct", "*", Metric.RPD, 1000, 1000, T0.plusSeconds(1))).isNull();
        assertThat(l.report("acct", "*", Metric.RPD, 1000, 1000, T0.plusSeconds(2))).isNull();
        assertThat(l.report("acct", "*", Metric.RPD, 1000, 50, T0.plusSeconds(3))).as("a 50 in between restarts").isNull();
        assertThat(l.report("acct", "*", Metric.RPD, 1000, 1000, T0.plusSeconds(4))).isNull();
        assertThat(l.report("acct", "*", Metric.RPD, 1000, 1000, T0.plusSeconds(5))).isNull();
        assertThat(l.report("acct", "*", Metric.RPD, 1000, 1000, T0.plusSeconds(6))).isInstanceOf(LimitLearner.Dropped.class);
        assertThat(l.get("acct", "*", Metric.RPD)).isNull();
    }

    @Test
    void scopesModelsAndMetricsAreSeparateAndUnlimitedTablesLearnToo() {
        Harness l = new Harness();
        l.report("org-a", "m", Metric.RPD, 1000, 500, T0);
        assertThat(l.get("org-b", "m", Metric.RPD)).isNull();
        assertThat(l.get("org-a", "m", Metric.TPM)).isNull();
        assertThat(l.report("x", "m", Metric.RPM, Limits.NONE, 20, T0)).isInstanceOf(LimitLearner.Adopted.class);
        assertThat(l.get("x", "m", Metric.RPM).describe()).startsWith("rpm unlimited → 20");
        assertThat(l.report("x", "m", Metric.RPM, Limits.NONE, -1, T0)).as("no value, no change").isNull();
    }

    /** Against an oracle: lower at once; higher (or back to the table) only after CONSISTENT equal reports in a row. */
    @Property(tries = 300)
    void theLimitInForceFollowsTheAsymmetricRule(@ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 6) Integer> reports,
                                                 @ForAll @IntRange(min = 0, max = 6) int table) {
        Harness l = new Harness();
        long inForce = table;
        Deque<Long> sinceChange = new ArrayDeque<>();
        Instant t = T0;
        for (int r : reports) {
            t = t.plusSeconds(1);
            l.report("s", "m", Metric.RPD, table, r, t);
            if (r == inForce) {
                sinceChange.clear();
            } else if (r < inForce) {
                inForce = r;
                sinceChange.clear();
            } else {
                if (!sinceChange.isEmpty() && sinceChange.peekLast() != r) sinceChange.clear();
                sinceChange.add((long) r);
                if (sinceChange.size() >= LimitLearner.CONSISTENT) {
                    inForce = r;
                    sinceChange.clear();
                }
            }
            LearnedLimit learned = l.get("s", "m", Metric.RPD);
            long actual = learned == null ? table : learned.value();
            assertThat(actual).as("after %s (table %d)", reports, table).isEqualTo(inForce);
            assertThat(learned == null).as("no learned limit exactly when the table applies").isEqualTo(inForce == table);
        }
    }
}
