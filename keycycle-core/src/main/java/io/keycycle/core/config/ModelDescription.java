package io.keycycle.core.config;

import io.keycycle.core.Limits;
import io.keycycle.core.ResolvedLimits;

import java.time.LocalDate;

/**
 * A model as {@code keycycle models} and {@code keycycle check} show it: its limits, which rule
 * gave each one, and where it stands.
 *
 * @param since date of the status change (deprecation, retirement, loss of free tier), or null
 * @param note  a caveat from the table (e.g. "RPD unknown, assumed"), or null
 */
public record ModelDescription(String provider, String model, ModelStatus status, LocalDate since, String note,
                               ResolvedLimits limits) {

    /** True when some metric is zero: no request can be admitted (e.g. Gemini without free tier). */
    public boolean hasNoQuota() {
        for (Limits.Metric m : Limits.Metric.values()) {
            if (limits.limits().get(m) == 0) return true;
        }
        return false;
    }
}
