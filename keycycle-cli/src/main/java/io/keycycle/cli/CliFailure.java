package io.keycycle.cli;

/**
 * A command could not do its job for a reason it can state (no database file, no keys to match):
 * exit code 1 and the message alone, never a stack trace unless {@code --debug}.
 */
final class CliFailure extends RuntimeException {
    CliFailure(String message) { super(message); }

    CliFailure(String message, Throwable cause) { super(message, cause); }
}
