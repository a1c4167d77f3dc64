package io.keycycle.core.pool;

/**
 * Conditions that cover every model of a scope (OpenRouter's account-wide daily budget, an
 * organisation out of credits): checked on every admission in addition to the model's bucket.
 */
final class ScopeState {
    final String scope;
    volatile long coolingUntil;
    volatile String coolingReason;
    volatile long parkedUntil;
    volatile String parkedReason;

    ScopeState(String scope) { this.scope = scope; }

    synchronized boolean cool(long until, String reason) {
        if (until <= coolingUntil) return false;
        coolingUntil = until;
        coolingReason = reason;
        return true;
    }

    synchronized boolean park(long until, String reason) {
        if (until <= parkedUntil) return false;
        parkedUntil = until;
        parkedReason = reason;
        return true;
    }

    long blockedUntil() { return Math.max(coolingUntil, parkedUntil); }
}
