package io.keycycle.sim;

/** How the simulator answered one request, for {@link SimStats}. */
enum Outcome {
    SUCCESS, MINUTE_429, HOUR_429, DAY_429, OTHER_429, ERROR;

    static Outcome of(Metric m) {
        return switch (m.span) {
            case MINUTE -> MINUTE_429;
            case HOUR -> HOUR_429;
            case DAY -> DAY_429;
        };
    }
}
