package io.keycycle.core;

/** Receives engine events synchronously. Must be fast and must not throw. */
@FunctionalInterface
public interface KeycycleListener {
    void onEvent(KeycycleEvent event);
}
