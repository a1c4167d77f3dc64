package io.keycycle.core.pool;

import io.keycycle.core.DailyReset;
import io.keycycle.core.KeyNotFoundException;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderSpec;
import io.keycycle.core.Strategy;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An operator ends a scope's holds before the provider's reset ({@link KeyPool#release}): an
 * OpenRouter account that bought credits, a Gemini project moved to a paid tier. Before it, only the
 * reset did: the keys stayed parked until midnight whatever the operator knew.
 */
class HoldReleaseTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");
    final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();

    KeyPool pool(ProviderSpec spec, int keys, String... scopes) {
        return pool(spec, new Limits(100, -1, -1, -1, -1, -1), keys, scopes);
    }

    KeyPool pool(ProviderSpec spec, Limits limits, int keys, String... scopes) {
        return KeyPool.builder(spec).keys(TestPools.keys(spec.name(), keys, scopes)).limits(limits)
                .profile(TestPools.statusProfile(spec.name())).clock(clock).listener(events::add).build();
    }

    static Outcome dayQuota() { return Outcome.of(OutcomeKind.QUOTA_EXHAUSTED, 429, "PerDay").withRetryAfter(null); }

    List<KeycycleEvent.StateChanged> readyEvents() {
        return events.stream().filter(e -> e instanceof KeycycleEvent.StateChanged s && s.state() == KeyState.READY)
                .map(e -> (KeycycleEvent.StateChanged) e).toList();
    }

    @Test
    void aReleasedDayParkIsAdmissibleAtOnceForEveryKeyOfTheScope() {
        KeyPool p = pool(TestPools.spec("gemini", Strategy.PER_MODEL, DailyReset.midnight(ZoneId.of("America/Los_Angeles"))),
                3, "project-a", "project-a", "project-b");
        p.acquire(AcquireOptions.of("m1", 0).pinned("1")).report(dayQuota());
        p.acquire(AcquireOptions.of("m2", 0).pinned("2")).report(Outcome.of(OutcomeKind.RATE_LIMITED, 429, "PerMinute")
                .withRetryAfter(Duration.ofSeconds(40)));
        p.acquire(AcquireOptions.of("m1", 0).pinned("3")).report(dayQuota());
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).pinned("2"))).isInstanceOf(NoAvailableKeyException.class);

        assertThat(p.release("2").holds()).as("project-a's holds, by model: a day-park and a cooldown").containsExactly("m1", "m2");
        assertThat(p.acquire(AcquireOptions.of("m1", 0).pinned("1")).key().index()).as("the other key of the project too").isEqualTo(1);
        assertThat(p.acquire(AcquireOptions.of("m2", 0).pinned("2")).key().index()).isEqualTo(2);
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).pinned("3"))).as("project-b keeps its park")
                .isInstanceOf(NoAvailableKeyException.class);
        assertThat(readyEvents()).extracting(KeycycleEvent.StateChanged::level, KeycycleEvent.StateChanged::scope,
                        KeycycleEvent.StateChanged::model, KeycycleEvent.StateChanged::until, KeycycleEvent.StateChanged::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(KeycycleEvent.Level.SCOPE, "project-a", "m1", null, "released by operator"),
                        org.assertj.core.groups.Tuple.tuple(KeycycleEvent.Level.SCOPE, "project-a", "m2", null, "released by operator"));
        assertThat(p.snapshot().buckets()).filteredOn(b -> b.scope().equals("project-a")).extracting(PoolSnapshot.BucketView::state)
                .containsOnly(KeyState.READY);

        assertThat(p.release("1").holds()).as("nothing held any more").isEmpty();
        assertThat(readyEvents()).hasSize(2);
        assertThat(p.acquire(AcquireOptions.of("m1", 0).pinned("1"))).isNotNull();
        p.acquire(AcquireOptions.of("m1", 0).pinned("1")).report(dayQuota());
        assertThatThrownBy(() -> p.acquire(AcquireOptions.of("m1", 0).pinned("1"))).as("the next day-quota answer parks it again")
                .isInstanceOf(NoAvailableKeyException.class);
    }

    @Test
    void theScopeWideHoldAndAGlobalProvidersAreReleasedToo() {
        KeyPool groq = pool(TestPools.spec("groq"), 2, "org-a", "org-a");
        Instant until = clock.now().plus(Duration.ofHours(5));
        groq.restoreState(new KeycycleEvent.StateChanged(clock.now(), "groq", KeycycleEvent.Level.SCOPE, "org-a", null, "*",
                KeyState.PARKED, until, "restored"));
        assertThatThrownBy(() -> groq.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        assertThat(groq.release("1").holds()).containsExactly("*");
        assertThat(groq.acquire("m1", 0)).isNotNull();

        KeyPool openrouter = pool(TestPools.spec("openrouter", Strategy.GLOBAL, DailyReset.midnight(ZoneId.of("UTC"))), 2, "acct", "acct");
        openrouter.acquire("m1", 0).report(dayQuota());
        assertThatThrownBy(() -> openrouter.acquire("m2", 0)).isInstanceOf(NoAvailableKeyException.class);
        assertThat(openrouter.release("2").holds()).as("the account's one bucket").containsExactly("*");
        assertThat(openrouter.acquire("m2", 0)).isNotNull();
    }

    /** OpenRouter's 50 free requests a day without credits, learned: after buying credits they would still refuse. */
    @Test
    void aLimitLearnedForTheScopeIsDroppedSoTheNextAnswerCanTeachTheNewOne() {
        KeyPool p = pool(TestPools.spec("openrouter", Strategy.GLOBAL, DailyReset.midnight(ZoneId.of("UTC"))),
                new Limits(-1, -1, 1000, -1, -1, -1), 2, "acct", "acct");
        p.restoreLearnedLimit(new KeycycleEvent.LimitLearned(clock.now(), "openrouter", "acct", "*", Limits.Metric.RPD, 1000, 50,
                "openrouter X-RateLimit-Limit"));
        for (int i = 0; i < 50; i++) p.acquire("m1", 0).success(io.keycycle.core.Usage.NONE);
        assertThatThrownBy(() -> p.acquire("m1", 0)).as("50 a day, learned").isInstanceOf(NoAvailableKeyException.class);

        Released r = p.release("1");
        assertThat(r.holds()).isEmpty();
        assertThat(r.forgotten()).singleElement().satisfies(l -> assertThat(l.describe()).startsWith("rpd 1000 → 50, learned from openrouter"));
        assertThat(p.learnedLimits()).isEmpty();
        assertThat(p.acquire("m1", 0)).as("the table's 1,000 again").isNotNull();
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.LimitLearned).singleElement()
                .satisfies(e -> assertThat(((KeycycleEvent.LimitLearned) e).value()).as("dropped, as the store keeps it").isEqualTo(-1));
        assertThat(p.release("1").isEmpty()).isTrue();
    }

    @Test
    void aDisabledKeyStaysDisabledAndAnUnknownKeyIsNamed() {
        KeyPool p = pool(TestPools.spec("groq"), 2);
        p.disable("1", "billing");
        assertThat(p.release("1").holds()).isEmpty();
        assertThat(p.snapshot().keys().get(0).state()).isEqualTo(KeyState.DISABLED);
        assertThatThrownBy(() -> p.release("7").holds()).isInstanceOf(KeyNotFoundException.class);
    }
}
