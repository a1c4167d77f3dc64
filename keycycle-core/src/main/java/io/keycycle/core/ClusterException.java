package io.keycycle.core;

/**
 * The shared pool cannot be joined at start-up: a bad Redis URL, a wrong password, an unreachable
 * host, or {@code keycycle-redis} missing from the class path. The message is one line and never
 * holds a password.
 */
public class ClusterException extends ConfigurationException {
    public ClusterException(String message) { super(message); }
    public ClusterException(String message, Throwable cause) { super(message, cause); }
}
