package io.keycycle.store;

import java.util.Locale;

/**
 * The four ways a call can end, as the history charts stack them: answered by the provider, turned
 * away by the provider with a rate limit or exhausted quota (429), refused locally because no key had
 * room (the call never left), or any other error. Stored by name in {@code keycycle_outcome_minute}.
 */
public enum OutcomeClass {
    ANSWERED, LIMITED, REFUSED, ERROR;

    /** The stored outcome of a usage row ({@code OutcomeKind} name, {@code LEASE_EXPIRED} or {@code REFUSED}). */
    public static OutcomeClass of(String outcome) {
        if (outcome == null) return ERROR;
        return switch (outcome) {
            case "SUCCESS" -> ANSWERED;
            case "RATE_LIMITED", "QUOTA_EXHAUSTED" -> LIMITED;
            case StoredEvent.REFUSED -> REFUSED;
            default -> ERROR;
        };
    }

    /** The same mapping as a SQL CASE over a column holding the stored outcome. */
    static String sqlCase(String column) {
        return "CASE " + column + " WHEN 'SUCCESS' THEN 'ANSWERED' WHEN 'RATE_LIMITED' THEN 'LIMITED'"
                + " WHEN 'QUOTA_EXHAUSTED' THEN 'LIMITED' WHEN '" + StoredEvent.REFUSED + "' THEN 'REFUSED' ELSE 'ERROR' END";
    }

    /** Lower-case name, as the dashboard and JSON output use. */
    public String label() { return name().toLowerCase(Locale.ROOT); }
}
