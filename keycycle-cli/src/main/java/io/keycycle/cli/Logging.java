package io.keycycle.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLI's logging switch. {@code logback.xml} in this jar logs INFO to stderr and keeps
 * third-party libraries at WARN; {@code --debug} raises keycycle's own loggers and the root to DEBUG.
 */
final class Logging {

    private Logging() { }

    static void debug() {
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.DEBUG);
            ctx.getLogger("io.keycycle").setLevel(Level.DEBUG);
        }
    }
}
