package io.keycycle.core;

/** Bad configuration: environment, .env, YAML, builder arguments, unknown provider or model. */
public class ConfigurationException extends KeycycleException {
    public ConfigurationException(String message) { super(message); }
    public ConfigurationException(String message, Throwable cause) { super(message, cause); }
}
