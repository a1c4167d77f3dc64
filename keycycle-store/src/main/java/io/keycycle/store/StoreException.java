package io.keycycle.store;

import io.keycycle.core.KeycycleException;

/**
 * The database could not be opened, migrated, read or written. The message names the database by
 * its {@linkplain DatabaseUrl#redacted() redacted} URL and, for SQL failures, the SQL state.
 */
public class StoreException extends KeycycleException {
    public StoreException(String message) { super(message); }
    public StoreException(String message, Throwable cause) { super(message, cause); }
}
