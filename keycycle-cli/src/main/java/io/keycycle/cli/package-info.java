/**
 * The {@code keycycle} command line: picocli commands over the engine and the store.
 *
 * <p>{@link io.keycycle.cli.KeycycleCli} is the root command; each subcommand is one small class
 * extending {@code KeycycleCommand}, which gives it the shared options ({@code --config},
 * {@code --env-file}, {@code --db}, {@code --debug}), the output writers and a
 * {@code KeycycleFactory} that turns those options into a catalog, keys, a store and a
 * {@link io.keycycle.Keycycle}. Everything process-wide (environment variables, working
 * directory, clock) comes from a {@link io.keycycle.cli.CliEnvironment}, so tests run commands
 * in-process with {@code CommandLine.execute} against a temporary directory.
 *
 * <p>Exit codes: 0 success, 1 failure (a bad key set-up, an unreachable database, a call that
 * could not be served), 2 usage error (unknown option, bad value). A failure prints one message
 * naming what is wrong and how to fix it; the stack trace only with {@code --debug}.
 *
 * <p>Not here: the engine (keycycle-core), persistence (keycycle-store), the HTTP gateway
 * (keycycle-gateway). To add a command, write a {@code KeycycleCommand} subclass and list it in
 * {@link io.keycycle.cli.KeycycleCli}'s {@code subcommands}.
 */
package io.keycycle.cli;
