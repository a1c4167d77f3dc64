package io.keycycle.spring;

import com.sun.net.httpserver.HttpServer;
import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream that keeps delivering for longer than {@code keycycle.calls.request-timeout}: the
 * timeout bounds a request's silences, not a long answer that keeps coming (a reasoning model can
 * stream for minutes).
 */
class LongStreamTest {

    @Test
    void aStreamLongerThanTheRequestTimeoutThatNeverFallsSilentIsDeliveredWhole() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("content-type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 8; i++) {
                    String chunk = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                            + "\"delta\":{\"content\":\"w" + i + " \"},\"finish_reason\":null}]}";
                    out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(400);
                }
                String last = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":8,\"total_tokens\":13}}";
                out.write(("data: " + last + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        Map<String, String> env = Map.of("NUM_GROQ", "1", "GROQ_API_KEY_1", SimKey.fakeSecret(ProviderKind.GROQ, 1),
                "GROQ_BASE_URL", "http://127.0.0.1:" + server.getAddress().getPort() + "/openai/v1");
        try (ConfigurableApplicationContext ctx = TestApp.run(env, "keycycle.database.url=none",
                "keycycle.calls.request-timeout=1s")) {
            ChatModel model = ctx.getBean(KeycycleChatModels.class).chatModel("groq/llama-3.1-8b-instant");
            List<ChatResponse> chunks = new CopyOnWriteArrayList<>();
            model.stream(new Prompt("a long answer")).doOnNext(chunks::add).blockLast(Duration.ofSeconds(30));
            String text = String.join("", chunks.stream().map(c -> c.getResult() == null || c.getResult().getOutput().getText() == null
                    ? "" : c.getResult().getOutput().getText()).toList());
            assertThat(text).as("all eight words, over 3.2 s with a 1-s request timeout").contains("w0").contains("w7");
        } finally {
            server.stop(0);
        }
    }
}
