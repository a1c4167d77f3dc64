package io.keycycle.cli;

import picocli.CommandLine;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** {@code java -jar keycycle.jar …}: runs {@link KeycycleCli} on the real process and exits with its code. */
public final class Main {

    private Main() { }

    public static void main(String[] args) {
        CommandLine cl = KeycycleCli.commandLine(CliEnvironment.system());
        Charset cs = consoleCharset();
        cl.setOut(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), cs), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), cs), true));
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, cs));
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        System.exit(code);
    }

    /**
     * Fingerprints contain an ellipsis: under a POSIX/ASCII locale Java 17 would print it as '?',
     * so such locales get UTF-8; any other native charset is kept.
     */
    private static Charset consoleCharset() {
        Charset c = Charset.defaultCharset();
        return c.equals(StandardCharsets.US_ASCII) || c.name().startsWith("ANSI_X3.4") ? StandardCharsets.UTF_8 : c;
    }
}
