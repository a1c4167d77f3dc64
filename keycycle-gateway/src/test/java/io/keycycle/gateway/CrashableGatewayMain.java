package io.keycycle.gateway;

import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.config.KeycycleConfig;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreConfig;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A gateway in a process of its own, for the crash test: groq keys pointing at a simulator, a
 * store on the given database. Writes its port to a file once it listens; a SIGTERM closes it
 * cleanly (drains the store), a SIGKILL is the crash under test.
 *
 * <p>Arguments: groq base URL, database URL, journal directory, port file, number of keys, and
 * optionally the model's requests per minute (default: a million).
 */
public final class CrashableGatewayMain {

    private CrashableGatewayMain() { }

    public static void main(String[] args) throws Exception {
        String baseUrl = args[0];
        String dbUrl = args[1];
        Path journal = Path.of(args[2]);
        Path portFile = Path.of(args[3]);
        int keys = Integer.parseInt(args[4]);
        long rpm = args.length > 5 ? Long.parseLong(args[5]) : 1_000_000;
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(dbUrl).journalDir(journal).shutdownHook(false).build());
        List<ApiKey> ks = new ArrayList<>();
        for (int i = 1; i <= keys; i++) ks.add(ApiKey.of("groq", i, SimKey.fakeSecret(ProviderKind.GROQ, i)));
        String yaml = "providers:\n  groq:\n    models:\n      " + TestGateway.MODEL + ": { rpm: " + rpm + ", tpm: 1000000000 }\n";
        Keycycle keycycle = Keycycle.builder().env(Map.of()).config(KeycycleConfig.parse(yaml, Map.of(), "crash.yaml"))
                .keys("groq", ks).baseUrl("groq", URI.create(baseUrl)).persistence(store).shutdownHook(false).build();
        KeycycleGateway gateway = KeycycleGateway.builder().keycycle(keycycle).store(store).host("127.0.0.1").port(0).build();
        int port = gateway.start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                gateway.close();
                keycycle.close();
            } finally {
                store.close();
                done.countDown();
            }
        }));
        Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(port));
        Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE);
        done.await();
    }
}
