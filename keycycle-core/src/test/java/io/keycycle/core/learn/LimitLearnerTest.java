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

    @Test
    void aLowerLimitIsAdoptedAtOnceAHigherOneOnlyWhenSaidConsistently() {
        LimitLearner l = new LimitLearner("openrouter");
        LimitLearner.Change c = l.observe("acct", "*", Metric.RPD, 1000, 50, "openrouter X-RateLimit-Limit", T0);
        assertThat(c).isInstanceOf(LimitLearner.Adopted.class);
        LearnedLimit learned = ((LimitLearner.Adopted) c).limit();
        assertThat(learned.describe()).isEqualTo("rpd 1000 → 50, learned from openrouter X-RateLimit-Limit 2026-11-30T10:00:00Z");
        assertThat(learned.lowered()).isTrue();
        assertThat(l.get("acct", "*", Metric.RPD).value()).isEqualTo(50);

        assertThat(l.observe("acct", "*", Metric.RPD, 1000, 1000, "s", T0.plusSeconds(1))).isNull();
        assertThat(l.observe("acct", "*", Metric.RPD, 1000, 1000, "s", T0.plusSeconds(2))).isNull();
        assertThat(l.observe("acct", "*", Metric.RPD, 1000, 50, "s", T0.plusSeconds(3))).as("a 50 in between restarts").isNull();
        assertThat(l.observe("acct", "*", Metric.RPD, 1000, 1000, "s", T0.plusSeconds(4))).isNull();
        assertThat(l.observe("acct", "*", Metric.RPD, 1000, 1000, "s", T0.plusSeconds(5))).isNull();
        LimitLearner.Change back = l.observe("acct", "*", Metric.RPD, 1000, 1000, "s", T0.plusSeconds(6));
        assertThat(back).isInstanceOf(LimitLearner.Dropped.class);
        assertThat(l.get("acct", "*", Metric.RPD)).isNull();
        assertThat(l.all()).isEmpty();
    }

    @Test
    void scopesModelsAndMetricsAreSeparateAndRestoreKeepsTheNewest() {
        LimitLearner l = new LimitLearner("groq");
        l.observe("org-a", "m", Metric.RPD, 1000, 500, "groq x-ratelimit-limit-requests", T0);
        l.observe("org-a", "m", Metric.TPM, 8000, 6000, "groq x-ratelimit-limit-tokens", T0);
        assertThat(l.get("org-b", "m", Metric.RPD)).isNull();
        assertThat(l.all()).extracting(LearnedLimit::metric).containsExactly(Metric.RPD, Metric.TPM);
        l.restore(new LearnedLimit("groq", "org-a", "m", Metric.RPD, 1000, 900, "old", T0.minusSeconds(60)));
        assertThat(l.get("org-a", "m", Metric.RPD).value()).isEqualTo(500);
        l.restore(new LearnedLimit("groq", "org-b", "m", Metric.RPD, 1000, 900, "store", T0.minusSeconds(60)));
        assertThat(l.get("org-b", "m", Metric.RPD).value()).isEqualTo(900);
        l.restore(new LearnedLimit("other", "org-c", "m", Metric.RPD, 1000, 1, "store", T0));
        assertThat(l.get("org-c", "m", Metric.RPD)).isNull();
        assertThat(l.observe("x", "m", Metric.RPM, Limits.NONE, 20, "s", T0)).isInstanceOf(LimitLearner.Adopted.class);
    }

    /** Against an oracle: lower at once; higher (or back to the table) only after CONSISTENT equal reports in a row. */
    @Property(tries = 300)
    void theLimitInForceFollowsTheAsymmetricRule(@ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 6) Integer> reports,
                                                 @ForAll @IntRange(min = 0, max = 6) int table) {
        LimitLearner l = new LimitLearner("p");
        long inForce = table;
        Deque<Long> sinceChange = new ArrayDeque<>();
        Instant t = T0;
        for (int r : reports) {
            t = t.plusSeconds(1);
            l.observe("s", "m", Metric.RPD, table, r, "src", t);
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
