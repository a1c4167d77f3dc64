package io.keycycle.core.pool;

import io.keycycle.core.Usage;

/** Implemented by call results that know their token usage, so the pool records the actual tokens. */
public interface UsageReport {
    /** The usage, or null if the provider did not report it. */
    Usage usage();
}
