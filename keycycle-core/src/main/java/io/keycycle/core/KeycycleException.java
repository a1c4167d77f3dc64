package io.keycycle.core;

/** Root of every exception Keycycle throws. Messages never contain a raw API key. */
public class KeycycleException extends RuntimeException {
    public KeycycleException(String message) { super(message); }
    public KeycycleException(String message, Throwable cause) { super(message, cause); }
}
