package io.keycycle;

import io.keycycle.core.ProviderResponse;
import io.keycycle.core.config.KeycycleConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link Keycycle#close()} ends what the facade started: a non-blocking call that waits for a key
 * does so on its pool's timer thread, which must not outlive the facade (one thread per provider
 * and facade, for the life of the JVM: a Spring context refreshed in tests, an application that
 * rebuilds its facade), and a call still waiting must end with the facade instead of running on a
 * closed one later.
 */
class CloseStopsTimersTest {

    static Set<Thread> timers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("keycycle-") && t.getName().endsWith("-timer") && t.isAlive())
                .collect(Collectors.toSet());
    }

    static ProviderResponse ok() {
        return ProviderResponse.of(200, "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}");
    }

    @Test
    void closingTheFacadeStopsItsTimerAndEndsACallWaitingForAKey() {
        Set<Thread> before = timers();
        String yaml = E2e.yaml(List.of("groq/m-a={ rpm: 1, rph: unlimited, rpd: unlimited, tpm: unlimited, tph: unlimited, tpd: unlimited }"));
        Keycycle kc = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "t.yaml"))
                .discoverPersistence(false).shutdownHook(false).keys("groq", E2e.keys("groq", "s1")).build();
        kc.call("groq/m-a", CallSpec.DEFAULT, (c, k) -> ok());
        CompletableFuture<Served<ProviderResponse>> waiting = kc.callAsync("groq/m-a",
                CallSpec.DEFAULT.withWait(true).withTimeout(Duration.ofMinutes(5)), (c, k) -> CompletableFuture.completedFuture(ok()));
        await().atMost(Duration.ofSeconds(10)).until(() -> timers().stream().anyMatch(t -> !before.contains(t)));
        assertThat(waiting).isNotDone();

        kc.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(timers().stream().filter(t -> !before.contains(t)).toList()).as("timer threads left by the closed facade").isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        assertThat(waiting).isCompletedExceptionally();
    }
}
