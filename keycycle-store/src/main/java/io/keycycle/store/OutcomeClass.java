package io.keycycle.store;

import java.util.Locale;

/**
 * The four ways a call can end, as the history charts stack them: answered by the provider, turned
 * away by the provider with a rate limit or exhausted quota (429), refused locally because no key had
 * room (the call never left), or any other error. Stored by name in {@code keycycle_outcome_minute}.
 */
public enum OutcomeClass {
    ANSWERED, LIMITED, REFUSED, ERROR;

    /** The stored outcome of a usage row ({@code OutcomeKind} name, {@code LEASE_EXPIRED}, {@code UNFINISHED} or {@code REFUSED}). */
    public static OutcomeClass of(String outcome) {
        if (outcome == null) return ERROR;
        return switch (outcome) {
            case "SUCCESS" -> ANSWERED;
            case "RATE_LIMITED", "QUOTA_EXHAUSTED" -> LIMITED;
            case StoredEvent.REFUSED -> REFUSED;
            default -> ERROR;
        };
    }

    /**
     * True for a late usage report: a {@code SUCCESS} record that counts no request, written when the
     * usage of a call already settled as abandoned (its client hung up) or expired arrives after all.
     * It corrects that call's tokens and is not a call of its own.
     */
    public static boolean isLateReport(String outcome, long requests) {
        return requests == 0 && "SUCCESS".equals(outcome);
    }

    /**
     * The class a record's calls and tokens are counted in: a late report's tokens go where the call
     * they belong to was counted (an abandoned or expired call is an {@link #ERROR}).
     */
    public static OutcomeClass of(String outcome, long requests) {
        return isLateReport(outcome, requests) ? ERROR : of(outcome);
    }

    /** The calls a record counts: one, none for a late report. */
    public static int calls(String outcome, long requests) {
        return isLateReport(outcome, requests) ? 0 : 1;
    }

    /** {@link #of(String, long)} as a SQL CASE over the columns holding the stored outcome and requests. */
    static String sqlCase(String outcome, String requests) {
        return "CASE WHEN " + outcome + " = 'SUCCESS' AND " + requests + " = 0 THEN 'ERROR'"
                + " WHEN " + outcome + " = 'SUCCESS' THEN 'ANSWERED' WHEN " + outcome + " IN ('RATE_LIMITED', 'QUOTA_EXHAUSTED') THEN 'LIMITED'"
                + " WHEN " + outcome + " = '" + StoredEvent.REFUSED + "' THEN 'REFUSED' ELSE 'ERROR' END";
    }

    /** {@link #calls} as a SQL expression. */
    static String sqlCalls(String outcome, String requests) {
        return "CASE WHEN " + outcome + " = 'SUCCESS' AND " + requests + " = 0 THEN 0 ELSE 1 END";
    }

    /** Lower-case name, as the dashboard and JSON output use. */
    public String label() { return name().toLowerCase(Locale.ROOT); }
}
