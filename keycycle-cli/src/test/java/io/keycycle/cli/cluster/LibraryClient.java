package io.keycycle.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.core.KeycycleException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application JVM using the library with {@code Keycycle.fromEnv()} (keys, base URL, config and
 * {@code KEYCYCLE_REDIS_URL} from the environment): waits for a line on stdin, fires
 * {@code args[0]} concurrent chat calls on {@code args[1]}, prints {@code RESULT <served> <refused>}
 * and exits.
 */
public final class LibraryClient {

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        String target = args[1];
        try (Keycycle k = Keycycle.fromEnv()) {
            System.out.println("READY " + k.cluster().map(c -> c.instanceId() + " " + c.mode()).orElse("no cluster"));
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            JsonNode body = new ObjectMapper().readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"hello from a library\"}],\"max_tokens\":16}");
            AtomicInteger served = new AtomicInteger(), refused = new AtomicInteger();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < n; i++) {
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        go.await();
                        k.chat(target, body, CallSpec.defaults());
                        served.incrementAndGet();
                    } catch (KeycycleException e) {
                        refused.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, java.util.concurrent.Executors.newCachedThreadPool()));
            }
            go.countDown();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            System.out.println("RESULT " + served.get() + " " + refused.get());
            System.out.flush();
        }
        System.exit(0);
    }
}
