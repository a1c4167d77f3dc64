package io.keycycle.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A subcommand: the shared options, the writers, and a {@link KeycycleFactory}. Subclasses
 * implement {@link #execute()} and return an exit code; they throw picocli's
 * {@link ParameterException} (via {@link #usage}) for bad arguments and {@link CliFailure} or a
 * keycycle exception for failures.
 */
abstract class KeycycleCommand implements Callable<Integer> {

    @ParentCommand
    KeycycleCli root;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    private KeycycleFactory factory;

    @Override
    public final Integer call() throws Exception {
        checkFileOption("--config", common.config);
        checkFileOption("--env-file", common.envFile);
        try {
            return execute();
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** The command's work; returns the exit code. */
    protected abstract int execute() throws Exception;

    /**
     * One-shot commands log only warnings unless {@code --verbose}; a long-running command (serve)
     * returns false to keep INFO.
     */
    protected boolean quietByDefault() { return true; }

    protected final KeycycleFactory factory() {
        if (factory == null) factory = new KeycycleFactory(root.environment(), common);
        return factory;
    }

    protected final PrintWriter out() { return spec.commandLine().getOut(); }

    protected final PrintWriter err() { return spec.commandLine().getErr(); }

    /** A usage error (exit 2) naming the problem. */
    protected final ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A store target written {@code PROVIDER/NAME}: the provider (lower case) and the name. */
    record ProviderAnd(String provider, String name) { }

    /**
     * Splits {@code PROVIDER/NAME} at its first {@code /} (the name may hold more, as model ids do);
     * anything else is a {@link CliFailure} saying what {@code command} needs, with {@code example}.
     */
    protected static ProviderAnd providerAnd(String target, String command, String form, String example) {
        int slash = target == null ? -1 : target.indexOf('/');
        if (slash <= 0 || slash == target.length() - 1) {
            throw new CliFailure(command + " needs " + form + " (e.g. " + example + "), got '" + target + "'");
        }
        return new ProviderAnd(target.substring(0, slash).trim().toLowerCase(java.util.Locale.ROOT), target.substring(slash + 1).trim());
    }

    private void checkFileOption(String name, Path file) {
        if (file == null) return;
        Path resolved = root.environment().workDir().resolve(file);
        if (!Files.isRegularFile(resolved)) {
            throw usage(name + " " + file + ": no such file (" + resolved + ")");
        }
    }
}
