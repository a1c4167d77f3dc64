package io.keycycle.core.pool;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.Limits;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.RateLimitException;
import io.keycycle.core.Usage;
import io.keycycle.core.classify.ProviderProfiles;
import io.keycycle.core.testing.ManualClock;
import io.keycycle.core.testing.TestPools;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A model the provider says is gone is re-checked with backoff; a 404 about the request changes nothing. */
class ModelAvailabilityTest {

    final ManualClock clock = ManualClock.at("2026-11-28T10:00:00Z");
    final List<KeycycleEvent> events = new CopyOnWriteArrayList<>();

    KeyPool pool(String provider) {
        return KeyPool.builder(TestPools.spec(provider)).keys(TestPools.keys(provider, 2)).limits(Limits.UNLIMITED)
                .profile(ProviderProfiles.forProvider(provider)).clock(clock).listener(events::add).build();
    }

    static Outcome gone() { return Outcome.of(OutcomeKind.MODEL_UNAVAILABLE, 404, "model_not_found"); }

    @Test
    void aGoneModelIsReCheckedAfterABackoffThatDoublesAndASuccessClearsIt() {
        KeyPool p = pool("groq");
        p.acquire("m1", 0).report(gone());
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class).hasMessageContaining("re-checked at");
        PoolSnapshot.ModelView v = p.snapshot().models().get(0);
        assertThat(v.unavailable()).isTrue();
        assertThat(v.recheckAt()).isEqualTo(clock.now().plus(Duration.ofMinutes(10)));

        clock.advance(Duration.ofMinutes(10));
        Lease trial = p.acquire("m1", 0);                 // the re-check: one call goes through
        trial.report(gone());                              // still gone: twice as long
        assertThat(p.snapshot().models().get(0).recheckAt()).isEqualTo(clock.now().plus(Duration.ofMinutes(20)));
        clock.advance(Duration.ofMinutes(19));
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofMinutes(1));
        p.acquire("m1", 0).success(Usage.of(1, 1));
        assertThat(p.snapshot().models().get(0).unavailable()).isFalse();
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.StateChanged s && s.level() == KeycycleEvent.Level.MODEL)
                .extracting(e -> ((KeycycleEvent.StateChanged) e).state())
                .containsExactly(KeyState.MODEL_UNAVAILABLE, KeyState.MODEL_UNAVAILABLE, KeyState.READY);
        // after the clear the backoff starts over
        p.acquire("m1", 0).report(gone());
        assertThat(p.snapshot().models().get(0).recheckAt()).isEqualTo(clock.now().plus(Duration.ofMinutes(10)));
    }

    @Test
    void theOperatorCanClearAGoneModel() {
        KeyPool p = pool("groq");
        p.acquire("m1", 0).report(gone());
        assertThat(p.clearModel("m1")).isTrue();
        assertThat(p.acquire("m1", 0)).isNotNull();
        assertThat(p.clearModel("m1")).isFalse();
        assertThat(events).filteredOn(e -> e instanceof KeycycleEvent.StateChanged s && s.state() == KeyState.READY)
                .singleElement().satisfies(e -> assertThat(((KeycycleEvent.StateChanged) e).reason()).contains("operator"));
    }

    @Test
    void hydrationRestoresAGoneModelOnlyUntilItsReCheck() {
        KeyPool p = pool("groq");
        Instant now = clock.now();
        p.restoreState(new KeycycleEvent.StateChanged(now.minus(Duration.ofDays(3)), "groq", KeycycleEvent.Level.MODEL, "org",
                null, "m1", KeyState.MODEL_UNAVAILABLE, null, "written before re-checks existed"));
        assertThat(p.acquire("m1", 0)).as("an old row without a re-check instant does not resurrect").isNotNull();
        p.restoreState(new KeycycleEvent.StateChanged(now.minus(Duration.ofHours(1)), "groq", KeycycleEvent.Level.MODEL, null,
                null, "m2", KeyState.MODEL_UNAVAILABLE, now.minusSeconds(1), "gone, re-check due"));
        assertThat(p.acquire("m2", 0)).isNotNull();
        p.restoreState(new KeycycleEvent.StateChanged(now.minusSeconds(60), "groq", KeycycleEvent.Level.MODEL, null,
                null, "m1", KeyState.MODEL_UNAVAILABLE, now.plus(Duration.ofMinutes(5)), "gone"));
        assertThatThrownBy(() -> p.acquire("m1", 0)).isInstanceOf(NoAvailableKeyException.class);
        clock.advance(Duration.ofMinutes(5));
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void a404AboutTheRequestGoesBackToTheCallerAndChangesNoState() {
        KeyPool p = pool("openrouter");
        ProviderResponse toolUse = ProviderResponse.of(404,
                "{\"error\":{\"message\":\"No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing\",\"code\":404}}");
        assertThatThrownBy(() -> p.call("m1", 10, k -> toolUse)).isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.attempts()).singleElement().satisfies(a -> assertThat(a.outcome().kind()).isEqualTo(OutcomeKind.REQUEST_INVALID));
        });
        assertThat(p.snapshot().models()).allSatisfy(m -> assertThat(m.unavailable()).isFalse());
        assertThat(p.snapshot().keys()).allSatisfy(k -> assertThat(k.state()).isEqualTo(KeyState.READY));
        assertThat(events).noneMatch(e -> e instanceof KeycycleEvent.StateChanged);
        assertThat(p.acquire("m1", 0)).isNotNull();
    }

    @Test
    void a403WithoutTheProvidersKeySignalDisablesNothing() {
        KeyPool p = pool("groq");
        ProviderResponse forbidden = ProviderResponse.of(403,
                "{\"error\":{\"message\":\"Forbidden: this request is not allowed\",\"type\":\"permission_error\"}}");
        assertThatThrownBy(() -> p.call("m1", 10, k -> forbidden)).isInstanceOf(RateLimitException.class);
        assertThat(p.snapshot().keys()).allSatisfy(k -> assertThat(k.state()).isEqualTo(KeyState.READY));
        ProviderResponse restricted = ProviderResponse.of(403,
                "{\"error\":{\"message\":\"Organization has been restricted.\",\"type\":\"invalid_request_error\",\"code\":\"organization_restricted\"}}");
        assertThatThrownBy(() -> p.call("m1", 10, k -> restricted)).isInstanceOf(RateLimitException.class);
        assertThat(p.snapshot().keys()).anySatisfy(k -> assertThat(k.state()).isEqualTo(KeyState.DISABLED));
    }
}
