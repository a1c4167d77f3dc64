package io.keycycle.cli;

import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link EngineRestorer} that keeps the live states the store replays instead of applying them
 * to a pool: how {@code keycycle status} reads key states without building an engine (so keys
 * no longer in the environment still show). Usage records are counted, not kept.
 */
final class StateCollector implements EngineRestorer {

    final List<KeycycleEvent.StateChanged> states = new ArrayList<>();
    long usageRecords;

    @Override
    public void restoreUsage(String provider, String fingerprint, String model, Instant admittedAt, long requests, long chargedTokens) {
        usageRecords++;
    }

    @Override
    public void restoreState(KeycycleEvent.StateChanged state) { states.add(state); }
}
