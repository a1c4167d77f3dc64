package io.keycycle.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * The CLI's logging switch. {@code logback.xml} in this jar logs INFO to stderr with a compact
 * pattern and keeps third-party libraries at WARN. Per run: {@code --debug} raises keycycle's
 * loggers and the root to DEBUG; one-shot commands (check, chat, usage, …) otherwise log only
 * keycycle's warnings unless {@code --verbose}, so their own output is not buried; long-running
 * commands (serve) keep INFO.
 */
final class Logging {

    /** How much a run logs. */
    enum Verbosity { QUIET, INFO, DEBUG }

    private Logging() { }

    static void apply(Verbosity v) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return; // another SLF4J binding
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(v == Verbosity.DEBUG ? Level.DEBUG : Level.INFO);
        ctx.getLogger("io.keycycle").setLevel(switch (v) {
            case QUIET -> Level.WARN;
            case INFO -> Level.INFO;
            case DEBUG -> Level.DEBUG;
        });
    }
}
