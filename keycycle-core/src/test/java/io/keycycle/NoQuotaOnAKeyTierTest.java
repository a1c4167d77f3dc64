package io.keycycle;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.ModelUnavailableException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitException;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Gemini's 429 {@code limit: 0} says the key's project (its billing tier) has no quota for the
 * model. Until 2026-12-04 it marked the model unavailable for the whole pool, so a pool of free
 * keys and a paid project's keys lost the model on the paid keys too. Now it parks the model for
 * the keys of the answering key's key tier only, until the provider's daily reset, and the call
 * goes on with a key of another tier.
 */
class NoQuotaOnAKeyTierTest {

    static final String MODEL = "gemini-2.5-flash";

    /** Keys 1 and 2 in free projects, key 3 in project-paid, which the configuration names a key tier "paid". */
    static final String YAML = """
            providers:
              gemini:
                models:
                  "%s": %s
                key-tiers:
                  paid: { scopes: [project-paid] }
            """.formatted(MODEL, E2e.UNLIMITED);

    static Simulator sim(boolean withPaidProject) {
        SimProvider.Builder b = SimProvider.gemini().fakeKeys(2).model(MODEL, SimLimits.UNLIMITED).noFreeTierModel(MODEL);
        if (withPaidProject) b.key(E2e.secret("gemini", 3), "project-paid").paidScope("project-paid");
        return Simulator.builder().provider(b.build()).build().start();
    }

    @Test
    void limitZeroOnAFreeKeyParksTheFreeTierOnlyAndThePaidKeyServesTheModel() {
        E2e.Recorder rec = new E2e.Recorder();
        try (Simulator sim = sim(true);
             Keycycle kc = E2e.keycycle(sim, YAML).keys("gemini", E2e.keys("gemini", "project-1", "project-2", "project-paid"))
                     .listener(rec).build()) {
            String target = "gemini/" + MODEL;
            for (int i = 0; i < 6; i++) {
                assertThat(kc.chat(target, E2e.chat("call " + i, 20), CallSpec.defaults()).value().status())
                        .as("call %d", i).isEqualTo(200);
            }
            List<String> fps = kc.pool("gemini").keys().stream().map(k -> k.fingerprint()).toList();
            long freeAsked = E2e.simRow(sim, "gemini", fps.get(0)).requests() + E2e.simRow(sim, "gemini", fps.get(1)).requests();
            assertThat(freeAsked).as("the free keys are asked once between them, then parked together").isEqualTo(1);
            assertThat(E2e.simRow(sim, "gemini", fps.get(2)).requests()).as("the paid key serves every call").isEqualTo(6);

            List<KeycycleEvent.StateChanged> parked = rec.states("gemini", KeyState.PARKED);
            assertThat(parked).extracting(KeycycleEvent.StateChanged::scope).containsExactlyInAnyOrder("project-1", "project-2");
            assertThat(parked).allSatisfy(p -> {
                assertThat(p.model()).isEqualTo(MODEL);
                assertThat(p.reason()).contains("limit 0");
                assertThat(p.until()).isEqualTo(nextPacificMidnight(p.at()));
            });
            assertThat(rec.states("gemini", KeyState.MODEL_UNAVAILABLE)).as("the model stays available to the pool").isEmpty();
            assertThat(rec.settled()).filteredOn(s -> s.outcome() == OutcomeKind.QUOTA_EXHAUSTED).hasSize(1);
        }
    }

    @Test
    void aPoolOfFreeKeysOnlyAsksOnceAndThenRefusesLocallyUntilTheResetNotAsAModelGone() {
        try (Simulator sim = sim(false);
             Keycycle kc = E2e.keycycle(sim, YAML).keys("gemini", E2e.keys("gemini", "project-1", "project-2")).build()) {
            String target = "gemini/" + MODEL;
            assertThatThrownBy(() -> kc.chat(target, E2e.chat("first", 20), CallSpec.defaults()))
                    .isInstanceOf(RateLimitException.class);
            assertThat(sim.stats().totalRequests()).as("one key of the tier is asked, not each in turn").isEqualTo(1);

            assertThatThrownBy(() -> kc.chat(target, E2e.chat("second", 20), CallSpec.defaults()))
                    .isInstanceOfSatisfying(NoAvailableKeyException.class, e -> {
                        assertThat(e).isNotInstanceOf(ModelUnavailableException.class);
                        assertThat(e.retryAt()).isNotNull();
                        assertThat(e.retryAt()).isAfter(Instant.now());
                        assertThat(e.getMessage()).as("says which quota, not only that one is spent").contains("limit 0");
                    });
            assertThat(sim.stats().totalRequests()).as("refused locally").isEqualTo(1);
        }
    }

    static Instant nextPacificMidnight(Instant at) {
        ZonedDateTime t = at.atZone(ZoneId.of("America/Los_Angeles"));
        return t.toLocalDate().plusDays(1).atStartOfDay(t.getZone()).toInstant();
    }
}
