package io.keycycle.gateway;

import io.keycycle.sim.SimLimits;
import io.keycycle.sim.SimProvider;
import io.keycycle.sim.Simulator;
import io.keycycle.store.testing.DatabaseTest;
import io.keycycle.store.testing.TestDatabase;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.keycycle.gateway.TestGateway.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a gateway process under load, then a restart on the same database: every
 * response a client received is a usage row, every request the provider saw is counted (those in
 * flight at the kill as {@code UNFINISHED}), and no row is counted twice (more requests than the
 * provider saw only by calls admitted and not yet sent at the kill).
 */
class CrashRestartTest {

    private static final int KEYS = 4;
    private static final int CLIENTS = 24;

    @DatabaseTest
    void aGatewayKilledUnderLoadLosesNoAnsweredUsageAndCountsNothingTwice(TestDatabase db) throws Exception {
        try (Simulator sim = Simulator.builder().provider(SimProvider.groq().fakeKeys(KEYS)
                .model(TestGateway.MODEL, SimLimits.UNLIMITED).build()).build().start()) {
            Path work = db.workDir();
            Path journal = work.resolve("journal");
            Process first = launch(sim, db, journal, work.resolve("port-1"), work.resolve("gateway-1.log"));
            int port = awaitPort(first, work.resolve("port-1"), work.resolve("gateway-1.log"));

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            AtomicLong answered = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int id = c;
                Thread t = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "client " + id + " call " + i, false)))
                                .build();
                        try {
                            HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
                            if (resp.statusCode() == 200 && resp.body().contains("\"choices\"")) answered.incrementAndGet();
                        } catch (IOException gone) {
                            if (stop.get()) return;
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "crash-client-" + c);
                t.setDaemon(true);
                t.start();
                clients.add(t);
            }
            // Load until well into the run, then the crash (SIGKILL on Linux), with requests in flight.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (answered.get() < 1_500 && System.nanoTime() < until) Thread.sleep(20);
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
            stop.set(true);
            for (Thread t : clients) t.join(15_000);
            long received = answered.get();
            assertThat(received).as("the load ran").isGreaterThan(100);

            // What else a crash can leave: a record torn in the middle of an append, and a stray file.
            List<Path> wal;
            try (var files = Files.list(journal)) {
                wal = files.filter(f -> f.getFileName().toString().startsWith("wal-")).sorted().toList();
            }
            assertThat(wal).as("the killed gateway left its write-ahead log").isNotEmpty();
            Files.writeString(wal.get(wal.size() - 1), "{\"t\":\"usage\",\"seq\":", java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(journal.resolve("core.4242"), "not a journal file");

            // Restart on the same database and journal, serve a little more, then stop cleanly (the store drains).
            Process second = launch(sim, db, journal, work.resolve("port-2"), work.resolve("gateway-2.log"));
            int port2 = awaitPort(second, work.resolve("port-2"), work.resolve("gateway-2.log"));
            long after = 0;
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port2 + "/v1/chat/completions"))
                        .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, "after the restart " + i, false))).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) after++;
            }
            assertThat(after).as("the restarted gateway serves").isEqualTo(20);
            long upstream = sim.stats().total("groq").requests();
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();

            long rows = query(db, "SELECT COUNT(*) FROM keycycle_usage");
            long distinct = query(db, "SELECT COUNT(DISTINCT event_id) FROM keycycle_usage");
            long requests = query(db, "SELECT COALESCE(SUM(requests), 0) FROM keycycle_usage");
            long minuteRequests = query(db, "SELECT COALESCE(SUM(requests), 0) FROM keycycle_usage_minute");
            long unfinished = query(db, "SELECT COUNT(*) FROM keycycle_usage WHERE outcome = 'UNFINISHED'");
            System.out.printf("CrashRestartTest[%s]: %d answered before the kill, %d after the restart, %d upstream, %d rows, "
                    + "%d of them calls in flight at the kill%n", db, received, after, upstream, rows, unfinished);
            assertThat(rows).as("every answered response is in the database (answered %d + %d, upstream %d)", received, after, upstream)
                    .isGreaterThanOrEqualTo(received + after);
            assertThat(requests).as("every request the provider saw is counted, those in flight at the kill too (%d unfinished)", unfinished)
                    .isGreaterThanOrEqualTo(upstream).isEqualTo(rows);
            assertThat(requests - upstream).as("more only by calls admitted and not yet sent at the kill, at most one per client")
                    .isLessThanOrEqualTo(Math.min(unfinished, CLIENTS));
            assertThat(distinct).isEqualTo(rows);
            assertThat(minuteRequests).as("the minute aggregate counts each row once").isEqualTo(requests);
            assertThat(Files.readString(journal.resolve("rejected-lines.txt"))).contains("{\"t\":\"usage\",\"seq\":");
            assertThat(journal.resolve("core.4242")).exists();
        }
    }

    /**
     * The calls a kill interrupted used up a key's minute: the restarted gateway knows it and sends
     * nothing the provider would refuse. One key at 4 requests per minute, 4 calls sent (the
     * simulator holds each for 8 s), {@code kill -9}, restart, a fifth call in the same minute.
     * Before the file of calls in flight the restarted engine's window was empty: it sent the fifth
     * and met the provider's 429.
     */
    @DatabaseTest(TestDatabase.Kind.SQLITE)
    void theRestartedGatewayDoesNotSpendTheMinuteTheInterruptedCallsUsed(TestDatabase db) throws Exception {
        try (Simulator sim = Simulator.builder().latency(Duration.ofSeconds(8)).provider(SimProvider.groq().fakeKeys(1)
                .model(TestGateway.MODEL, SimLimits.UNLIMITED.rpm(4)).build()).build().start()) {
            Path work = db.workDir();
            Path journal = work.resolve("journal");
            Process first = launch(sim, db, journal, work.resolve("port-1"), work.resolve("gateway-1.log"), 1, 4);
            int port = awaitPort(first, work.resolve("port-1"), work.resolve("gateway-1.log"));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < 4; i++) {
                http.sendAsync(chat(port, "in flight " + i), HttpResponse.BodyHandlers.ofString()); // answered after the kill: never
            }
            long admittedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!metrics(http, port).contains("keycycle_admissions_total{model=\"" + TestGateway.MODEL + "\",provider=\"groq\"} 4.0")) {
                assertThat(System.nanoTime() < admittedBy).as("the gateway admitted the four calls").isTrue();
                Thread.sleep(50);
            }
            Thread.sleep(300); // admitted calls are sent in the same turn: all four reached the simulator, which holds them
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();

            Process second = launch(sim, db, journal, work.resolve("port-2"), work.resolve("gateway-2.log"), 1, 4);
            try {
                int port2 = awaitPort(second, work.resolve("port-2"), work.resolve("gateway-2.log"));
                HttpResponse<String> fifth = http.send(chat(port2, "the fifth of the minute"), HttpResponse.BodyHandlers.ofString());
                assertThat(fifth.statusCode()).as(fifth.body()).isEqualTo(429);
                // the simulator answers (and counts) the four held calls 8 s after they arrived
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (sim.stats().total("groq").requests() < 4 && System.nanoTime() < until) Thread.sleep(50);
                var upstream = sim.stats().total("groq");
                assertThat(upstream.total429()).as("the restarted gateway sent nothing the provider refused").isZero();
                assertThat(upstream.requests()).as("the four interrupted calls only").isLessThanOrEqualTo(4);
            } finally {
                second.destroy();
                assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(query(db, "SELECT COUNT(*) FROM keycycle_usage WHERE outcome = 'UNFINISHED'")).isEqualTo(4);
        }
    }

    private static String metrics(HttpClient http, int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static HttpRequest chat(int port, String prompt) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(TARGET, prompt, false))).build();
    }

    private static Process launch(Simulator sim, TestDatabase db, Path journal, Path portFile, Path log) throws IOException {
        return launch(sim, db, journal, portFile, log, KEYS, 1_000_000);
    }

    private static Process launch(Simulator sim, TestDatabase db, Path journal, Path portFile, Path log, int keys, long rpm)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashableGatewayMain.class.getName(), sim.baseUrl("groq"), db.url(), journal.toString(), portFile.toString(),
                Integer.toString(keys), Long.toString(rpm));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int awaitPort(Process p, Path portFile, Path log) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            if (Files.exists(portFile)) return Integer.parseInt(Files.readString(portFile).trim());
            if (!p.isAlive()) break;
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new AssertionError("the gateway process did not start; its output:\n" + Files.readString(log));
    }

    private static long query(TestDatabase db, String sql) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
