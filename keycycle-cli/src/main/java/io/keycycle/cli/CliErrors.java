package io.keycycle.cli;

import io.keycycle.core.ConfigurationException;
import io.keycycle.core.KeycycleException;
import io.keycycle.core.NoAvailableKeyException;
import io.keycycle.core.RateLimitException;
import io.keycycle.store.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;

/**
 * How the command line ends badly. Usage errors (exit 2) name the bad argument and point at
 * {@code --help}; failures (exit 1) print one message, which for our own exceptions already says
 * what is wrong and how to fix it; anything unexpected adds its type. Stack traces only with
 * {@code --debug}.
 */
final class CliErrors {

    static final int FAILURE = 1;
    static final int USAGE = 2;

    private CliErrors() { }

    /** Sets the run's log level ({@code --debug}, {@code --verbose}, the command's default), then runs the last command. */
    static int executeWithLogging(ParseResult parseResult) {
        ParseResult last = parseResult;
        while (last.subcommand() != null) last = last.subcommand();
        boolean quiet = last.commandSpec().userObject() instanceof KeycycleCommand c && c.quietByDefault();
        Logging.apply(debugRequested(parseResult) ? Logging.Verbosity.DEBUG
                : last.hasMatchedOption("--verbose") || !quiet ? Logging.Verbosity.INFO : Logging.Verbosity.QUIET);
        return new CommandLine.RunLast().execute(parseResult);
    }

    static int onUsageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText("error: " + ex.getMessage()));
        String near = nearestOption(ex);
        if (near != null) err.println("Did you mean: " + near + "?");
        else UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage and examples.");
        err.flush();
        return USAGE;
    }

    /**
     * The command's option nearest to the first unknown option of {@code ex} (at most two edits
     * away, {@code --fromat} → {@code --format}), or null. Picocli's own guess goes by prefix
     * ({@code --from} for {@code --fromat}), so it is only the fallback.
     */
    static String nearestOption(ParameterException ex) {
        if (!(ex instanceof UnmatchedArgumentException u)) return null;
        for (String arg : u.getUnmatched()) {
            if (!arg.startsWith("-")) continue;
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String best = null;
            int bestDistance = 3;
            for (String option : ex.getCommandLine().getCommandSpec().optionsMap().keySet()) {
                int d = distance(name, option);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = option;
                }
            }
            return best;
        }
        return null;
    }

    /** Levenshtein distance, with a swap of two neighbouring characters as one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    static int onFailure(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        boolean debug = debugRequested(parseResult);
        err.println(cmd.getColorScheme().errorText("error: " + describe(ex)));
        String hint = hint(ex, cmd.getCommandName());
        if (hint != null) err.println(hint);
        if (debug) {
            ex.printStackTrace(err);
        } else if (!(ex instanceof KeycycleException) && !(ex instanceof CliFailure)) {
            err.println("(run again with --debug for the stack trace)");
        }
        err.flush();
        return FAILURE;
    }

    static String describe(Exception ex) {
        if (ex instanceof KeycycleException || ex instanceof CliFailure) return String.valueOf(ex.getMessage());
        if (ex instanceof java.io.UncheckedIOException || ex instanceof java.io.IOException) {
            return "I/O failure: " + ex.getMessage();
        }
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    private static String hint(Exception ex, String command) {
        if (ex instanceof NoAvailableKeyException n && n.retryAt() != null) {
            return "A key frees up at " + n.retryAt().truncatedTo(ChronoUnit.SECONDS)
                    + "; run `keycycle status` to see why the keys are unavailable, or pass --wait.";
        }
        if (ex instanceof RateLimitException) return "Run `keycycle status` to see the state of the keys.";
        if (ex instanceof StoreException && command.equals("import-legacy")
                && String.valueOf(ex.getMessage()).startsWith("cannot import legacy usage_logs from")) {
            return "Check --from: the Python library's database holding usage_logs (sqlite:////srv/old/usage.db, "
                    + "mysql+pymysql://user:pass@host:4000/db).";
        }
        if (ex instanceof StoreException) {
            return "Check --db / KEYCYCLE_DB_URL (jdbc:sqlite:./keycycle.db, jdbc:mysql://host/db or mysql+pymysql://…).";
        }
        if (ex instanceof ConfigurationException && !command.equals("check")) return "Run `keycycle check` to validate keys and configuration.";
        return null;
    }

    static boolean debugRequested(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) return true;
        }
        return false;
    }
}
