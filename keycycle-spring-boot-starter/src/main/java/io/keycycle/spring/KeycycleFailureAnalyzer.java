package io.keycycle.spring;

import io.keycycle.core.ConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a Keycycle set-up problem at start-up (an unknown model in a tier, a malformed limit, no
 * keys, a count that does not match the keys) into Spring Boot's short "APPLICATION FAILED TO
 * START" report naming the property or environment variable to fix, instead of a stack of
 * bean-creation errors. Type errors in {@code keycycle.*} properties (a duration that is not one)
 * are reported by Spring Boot's own binding analyzer, which names the property too.
 */
public final class KeycycleFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
        String property = cause instanceof KeycyclePropertyException k ? k.property()
                : ConfigDocument.firstProperty(cause.getMessage(), KeycycleSetup.keyVariable(cause.getMessage()));
        String description = "Keycycle could not be configured.\n\n"
                + "    Property: " + property + "\n"
                + "    Problem:  " + cause.getMessage().replace("\n", "\n              ");
        String action = "Fix " + property + " (application properties, environment variables or the .env file; "
                + "see docs/spring.md for the keycycle.* properties), or set keycycle.enabled=false to start without Keycycle.";
        return new FailureAnalysis(description, action, cause);
    }
}
