package io.keycycle.core.pool;

import io.keycycle.core.learn.LearnedLimit;

import java.util.List;

/**
 * What {@link KeyPool#release} ended for a key's scope.
 *
 * @param holds     the models whose cooldown or day-park ended, sorted ({@code *}: a hold every model
 *                  of the scope shared)
 * @param forgotten the limits learned from the provider that were dropped (the table's are in force
 *                  again until the provider's next answers report them)
 */
public record Released(List<String> holds, List<LearnedLimit> forgotten) {

    public Released {
        holds = List.copyOf(holds);
        forgotten = List.copyOf(forgotten);
    }

    /** True when nothing was held or learned. */
    public boolean isEmpty() { return holds.isEmpty() && forgotten.isEmpty(); }
}
