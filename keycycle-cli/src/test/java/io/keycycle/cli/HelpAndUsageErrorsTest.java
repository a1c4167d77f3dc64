package io.keycycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class HelpAndUsageErrorsTest {

    @TempDir Path dir;

    @Test
    void everyCommandHasHelpWithExamples() {
        Set<String> names = KeycycleCli.commandLine(new CliEnvironment(Map.of(), dir, java.time.Clock.systemUTC()))
                .getSubcommands().keySet();
        assertThat(names).contains("check", "models", "status", "usage", "chat", "prune", "import-legacy");
        for (String name : names) {
            Cli.Result r = Cli.at(dir, Map.of()).run(name, "--help");
            assertThat(r.code()).as(name).isZero();
            assertThat(r.out()).as(name).contains("Usage: keycycle " + name).contains("Examples:").contains("--debug");
            assertThat(r.out().lines()).as(name).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(CommandLine.Model.UsageMessageSpec.DEFAULT_USAGE_WIDTH));
        }
        Cli.Result root = Cli.at(dir, Map.of()).run("--help");
        assertThat(root.code()).isZero();
        assertThat(root.out()).contains("Examples:").contains("import-legacy").contains("KEYCYCLE_DB_URL");
    }

    @Test
    void versionPrintsTheVersion() {
        Cli.Result r = Cli.at(dir, Map.of()).run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("keycycle ").contains("Java ");
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.Result r = Cli.at(dir, Map.of()).run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no command given; choose one of: check, models").contains("keycycle --help");
    }

    @Test
    void misspelledCommandGetsASuggestion() {
        Cli.Result r = Cli.at(dir, Map.of()).run("chekc");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("chekc").contains("check");
    }

    @Test
    void unknownOptionNamesTheCommandHelp() {
        Cli.Result r = Cli.at(dir, Map.of()).run("status", "--colour");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--colour'").contains("keycycle status --help");
    }
    @Test
    void misspelledOptionGetsASuggestion() {
        Cli.Result r = Cli.at(dir, Map.of()).run("usage", "--fromat", "json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--fromat").contains("Did you mean").contains("--format").contains("keycycle usage --help");
    }
}
