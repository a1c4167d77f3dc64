package io.keycycle.core.forecast;

import io.keycycle.core.Limits;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CapacityPlanTest {

    static final long T0 = 1_773_100_800_000L;   // 2026-03-10T00:00:00Z

    @Test
    void aDayOfRefusalsAtThePerMinuteLimitNeedsTheScopesThePeakMinuteNeeds() {
        // 3 scopes at 30 rpm answer 90 calls a minute; for an hour the demand was 200 a minute: 110 refused each minute
        List<MinuteDemand> day = new ArrayList<>();
        for (int m = 0; m < 60; m++) day.add(new MinuteDemand(T0 + m * 60_000L, 90, 0, 110, 90 * 100));
        for (int m = 60; m < 1_440; m++) day.add(new MinuteDemand(T0 + m * 60_000L, 10, 0, 0, 10 * 100));
        Limits scope = new Limits(30, Limits.NONE, 14_400, 60_000, Limits.NONE, Limits.NONE);

        CapacityPlan.ProviderPlan plan = CapacityPlan.plan("groq", 3, Map.of("llama", scope), Map.of("llama", day));

        assertThat(plan.needed()).isEqualTo(7);          // ceil(200 / 30)
        assertThat(plan.additional()).isEqualTo(4);
        CapacityPlan.ModelNeed n = plan.models().get(0);
        assertThat(n.binding()).isEqualTo(Limits.Metric.RPM);
        assertThat(n.bindingDemand()).isEqualTo(200);
        assertThat(n.refused()).isEqualTo(60 * 110);
        assertThat(n.peakCallsPerMinute()).isEqualTo(200);
        assertThat(n.estimatedTokens()).isEqualTo(60 * 200 * 100 + 1_380 * 10 * 100);   // refused calls at 100 tokens each
    }

    @Test
    void theDailyLimitBindsWhenTheDayIsLongAndTokensAreEstimatedForRefusedCalls() {
        List<MinuteDemand> day = new ArrayList<>();
        for (int m = 0; m < 1_440; m++) day.add(new MinuteDemand(T0 + m * 60_000L, 1, 1, 0, 1_000));
        // 2,880 calls a day against 250 requests a day per scope: 12 scopes; tokens 2,880 x 1,000 against 1 M: 3
        Limits scope = new Limits(15, Limits.NONE, 250, Limits.NONE, Limits.NONE, 1_000_000);
        CapacityPlan.ProviderPlan plan = CapacityPlan.plan("gemini", 12, Map.of("flash", scope), Map.of("flash", day));
        assertThat(plan.needed()).isEqualTo(12);
        assertThat(plan.additional()).isZero();
        assertThat(plan.models().get(0).binding()).isEqualTo(Limits.Metric.RPD);
        assertThat(plan.models().get(0).limited()).isEqualTo(1_440);
    }

    @Test
    void theHourlyWindowSlidesAndTheNeediestModelSetsTheProvidersNeed() {
        List<MinuteDemand> a = new ArrayList<>();
        // 40 calls in each of minutes 30..89: any 60 consecutive minutes hold at most 2,400 calls
        for (int m = 30; m < 90; m++) a.add(new MinuteDemand(T0 + m * 60_000L, 40, 0, 0, 0));
        List<MinuteDemand> b = List.of(new MinuteDemand(T0, 5, 0, 0, 0));
        Limits perHour = new Limits(Limits.NONE, 1_000, Limits.NONE, Limits.NONE, Limits.NONE, Limits.NONE);
        CapacityPlan.ProviderPlan plan = CapacityPlan.plan("cerebras", 1, Map.of("a", perHour, "b", perHour), Map.of("a", a, "b", b));
        assertThat(plan.models()).extracting(CapacityPlan.ModelNeed::model).containsExactly("a", "b");
        assertThat(plan.models().get(0).bindingDemand()).isEqualTo(2_400);
        assertThat(plan.needed()).isEqualTo(3);
        assertThat(plan.additional()).isEqualTo(2);
        assertThat(CapacityPlan.busiest(new long[] {5, 5, 5}, new long[] {0, 60_000, 3_600_000}, Limits.Span.HOUR)).isEqualTo(10);
    }

    @Test
    void withoutLimitsOrDemandNothingIsNeeded() {
        CapacityPlan.ProviderPlan plan = CapacityPlan.plan("groq", 2, Map.of(), Map.of("x", List.of(new MinuteDemand(T0, 0, 0, 9, 0))));
        assertThat(plan.needed()).isZero();
        assertThat(plan.models().get(0).binding()).isNull();
        assertThat(plan.models().get(0).refused()).isEqualTo(9);
    }
}
