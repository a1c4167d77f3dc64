package io.keycycle.redis.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A redis-server of the test's own, on a free port, that the test may stop and start again (fault
 * drills must never touch the shared server). Skips (or fails with requireServices) when
 * {@code redis-server} is not installed.
 */
public final class PrivateRedis implements AutoCloseable {

    private final int port;
    private final String password;
    private final Path dir;
    private Process process;
    private boolean paused;

    private PrivateRedis(int port, String password) throws IOException {
        this.port = port;
        this.password = password;
        this.dir = Files.createTempDirectory("kc-redis");
    }

    public static boolean installed() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "redis-server"))) return true;
        }
        return false;
    }

    /** Starts a server on a free port (with {@code password} when non-null). */
    public static PrivateRedis start(String password) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PrivateRedis r = new PrivateRedis(port, password);
        r.startAgain();
        return r;
    }

    /** (Re)starts the server on the same port, empty (no persistence). */
    public synchronized void startAgain() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        if (password != null) cmd.addAll(List.of("--requirepass", password));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                // ready when it answers a command (+PONG, or -NOAUTH with a password)
                s.setSoTimeout(1000);
                s.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                int c = s.getInputStream().read();
                if (c == '+' || c == '-') return;
                Thread.sleep(20);
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not start; see " + dir.resolve("redis.log"));
    }

    /** Kills the server at once (SIGKILL): its data is gone. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
            process = null;
            paused = false;
        }
    }

    /**
     * Keeps the server busy for {@code millis} with a script that spins on {@code TIME}, so that it
     * answers nobody meanwhile (a slow Redis, as opposed to a {@link #pause() frozen} one); returns
     * once the script has been running for ~300 ms. Join the returned thread to wait for the end.
     */
    public Thread busyFor(long millis) throws InterruptedException {
        java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
        Thread sleeper = new Thread(() -> {
            io.lettuce.core.RedisClient c = io.lettuce.core.RedisClient.create(io.lettuce.core.RedisURI.create(url()));
            try (var conn = c.connect()) {
                conn.setTimeout(java.time.Duration.ofMillis(millis + 10_000));
                connected.countDown();
                conn.sync().eval("local t0 = redis.call('TIME') local now = t0 "
                        + "while (now[1] - t0[1]) * 1000000 + (now[2] - t0[2]) < " + millis * 1000 + " do now = redis.call('TIME') end return 1",
                        io.lettuce.core.ScriptOutputType.INTEGER);
            } finally {
                c.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1));
            }
        }, "redis-busy");
        sleeper.start();
        connected.await();
        Thread.sleep(300);
        return sleeper;
    }

    /** Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a hung host. */
    public synchronized void pause() throws Exception {
        signal("-STOP");
        paused = true;
    }

    /** Lets a {@link #pause() paused} server run again (SIGCONT). */
    public synchronized void resume() throws Exception {
        signal("-CONT");
        paused = false;
    }

    /** Whether the server is {@link #pause() frozen}. */
    public synchronized boolean paused() { return paused; }

    private void signal(String sig) throws Exception {
        if (process == null) throw new IllegalStateException("redis-server is not running");
        Process k = new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start();
        if (k.waitFor() != 0) throw new IllegalStateException("kill " + sig + " " + process.pid() + " failed");
    }

    public int port() { return port; }

    public String url() { return "redis://" + (password == null ? "" : ":" + password + "@") + "127.0.0.1:" + port; }

    @Override
    public void close() throws Exception { kill(); }
}
