package io.keycycle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Properties;

/**
 * The {@code keycycle} root command. {@link #run} is the whole program; {@link #commandLine}
 * gives a configured {@link CommandLine} whose writers a test may replace.
 *
 * <p>The root only dispatches: every subcommand carries the shared options itself, so they may
 * be written after the subcommand ({@code keycycle status --db …}).
 */
@Command(name = "keycycle",
        mixinStandardHelpOptions = true,
        versionProvider = KeycycleCli.Version.class,
        description = {
                "Spreads LLM API calls over many keys of several providers,",
                "within every provider limit. Keys come from NUM_<PROVIDER> and",
                "<PROVIDER>_API_KEY_<i> in the environment or a .env file;",
                "everything else from keycycle.yaml (optional)."},
        subcommands = {
                CheckCommand.class,
                ModelsCommand.class,
                StatusCommand.class,
                UsageCommand.class,
                ChatCommand.class,
                PruneCommand.class,
                ClearModelCommand.class,
                ReleaseCommand.class,
                ImportLegacyCommand.class,
                ServeCommand.class,
                SimCommand.class,
                DemoCommand.class},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle demo --duration 60     see it work without any key",
                "  keycycle serve                  OpenAI-compatible gateway on :8787",
                "  keycycle check                  validate keys and configuration",
                "  keycycle models groq            limits, status and their sources",
                "  keycycle chat \"Say hi\"          one prompt through the pool",
                "  keycycle sim                    the provider simulator on :9001",
                "  keycycle status                 key states and today's usage",
                "  keycycle usage --days 7 --by day,provider",
                "",
                "Environment:",
                "  NUM_<P>, <P>_API_KEY_<i>      keys of provider <P> (GROQ, GEMINI, ...)",
                "  <P>_SCOPE_<i>, <P>_BASE_URL   a key's organisation/project; an endpoint",
                "  KEYCYCLE_DB_URL, TIDB_DB_URL  database (default ./keycycle.db)",
                "  KEYCYCLE_CONFIG               configuration (default ./keycycle.yaml)",
                "",
                "Exit codes: 0 ok, 1 failure, 2 usage error. --debug after the command shows details."})
public final class KeycycleCli implements Runnable {

    private final CliEnvironment environment;

    @Spec
    CommandSpec spec;

    public KeycycleCli(CliEnvironment environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** Parses {@code args}, runs the command and returns its exit code (0, 1 or 2). Never throws. */
    public static int run(CliEnvironment environment, String... args) {
        return commandLine(environment).execute(args);
    }

    /**
     * A command line for {@code environment} with keycycle's error handling: usage errors print
     * the problem and a pointer to {@code --help} (exit 2); failures print one message (exit 1),
     * with the stack trace only under {@code --debug}.
     */
    public static CommandLine commandLine(CliEnvironment environment) {
        CommandLine cl = new CommandLine(new KeycycleCli(environment));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(CliErrors::executeWithLogging);
        cl.setParameterExceptionHandler(CliErrors::onUsageError);
        cl.setExecutionExceptionHandler(CliErrors::onFailure);
        return cl;
    }

    /** The environment commands read from. */
    public CliEnvironment environment() { return environment; }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "no command given; choose one of: " + String.join(", ", spec.subcommands().keySet()));
    }

    /** Prints the version from the jar's filtered {@code version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = KeycycleCli.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"keycycle " + p.getProperty("version", "(development build)"),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
