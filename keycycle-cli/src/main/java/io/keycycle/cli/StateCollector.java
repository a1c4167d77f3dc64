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

    /** Limits the engine learned from the providers, as the store keeps them. */
    final List<KeycycleEvent.LimitLearned> learned = new ArrayList<>();

    @Override
    public void restoreLearnedLimit(KeycycleEvent.LimitLearned l) { learned.add(l); }

    /** "groq org-a openai/gpt-oss-120b: rpd 1000 → 50, learned from groq 2026-…" */
    static String describe(KeycycleEvent.LimitLearned l) {
        String table = l.tableValue() < 0 ? "unlimited" : Long.toString(l.tableValue());
        return l.provider() + " " + l.scope() + " " + l.model() + ": " + l.metric().key() + " " + table + " → " + l.value()
                + ", learned from " + l.source() + " " + l.at();
    }
}
