package io.keycycle.cli;

/** {@code java -jar keycycle.jar …}: runs {@link KeycycleCli} on the real process and exits with its code. */
public final class Main {

    private Main() { }

    public static void main(String[] args) {
        int code = KeycycleCli.run(CliEnvironment.system(), args);
        System.exit(code);
    }
}
