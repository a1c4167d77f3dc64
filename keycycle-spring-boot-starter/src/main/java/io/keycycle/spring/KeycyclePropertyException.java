package io.keycycle.spring;

import io.keycycle.core.ConfigurationException;

/**
 * A Keycycle set-up problem tied to the property (or environment variable) that causes it. Thrown
 * while the application starts; {@link KeycycleFailureAnalyzer} turns it into Spring Boot's
 * "APPLICATION FAILED TO START" report instead of a stack of bean-creation errors. The message never
 * holds a secret (keys are named by provider and index or fingerprint).
 */
public class KeycyclePropertyException extends ConfigurationException {

    private final String property;

    public KeycyclePropertyException(String property, String message, Throwable cause) {
        super(message, cause);
        this.property = property;
    }

    public KeycyclePropertyException(String property, String message) {
        this(property, message, null);
    }

    /** The property or environment variable to fix, e.g. {@code keycycle.tiers.fast} or {@code NUM_GROQ}. */
    public String property() {
        return property;
    }
}
