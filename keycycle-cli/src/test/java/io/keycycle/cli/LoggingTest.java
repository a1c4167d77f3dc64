package io.keycycle.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LoggingTest {

    @TempDir Path dir;

    @AfterEach
    void restore() { Logging.apply(Logging.Verbosity.INFO); }

    @Test
    void oneShotCommandsLogWarningsUnlessVerboseOrDebug() {
        Cli cli = Cli.at(dir, Map.of());
        cli.run("models", "groq");
        assertThat(level("io.keycycle")).isEqualTo(Level.WARN);
        cli.run("models", "groq", "--verbose");
        assertThat(level("io.keycycle")).isEqualTo(Level.INFO);
        cli.run("models", "groq", "--debug");
        assertThat(level("io.keycycle")).isEqualTo(Level.DEBUG);
        assertThat(level(org.slf4j.Logger.ROOT_LOGGER_NAME)).isEqualTo(Level.DEBUG);
        cli.run("models", "groq");
        assertThat(level(org.slf4j.Logger.ROOT_LOGGER_NAME)).isEqualTo(Level.INFO);
        assertThat(level("com.zaxxer.hikari")).isEqualTo(Level.WARN);
    }

    private static Level level(String logger) {
        return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(logger).getEffectiveLevel();
    }
}
