package io.keycycle.spring;

import com.sun.net.httpserver.HttpServer;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tool round trip through ChatClient. The simulator does not emit tool calls, so a small
 * OpenAI-compatible endpoint in this test plays a provider that asks for a tool first and answers
 * with text once it has the tool's result. Spring AI's ToolCallingAdvisor runs the loop; each of its
 * two requests is its own admitted, keyed and settled call.
 */
class ToolRoundTripTest {

    static final List<KeycycleEvent.Settled> SETTLED = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    static class Listening {
        @Bean
        KeycycleListener recorder() {
            return e -> { if (e instanceof KeycycleEvent.Settled s) SETTLED.add(s); };
        }
    }

    static final class Clock {
        final AtomicInteger calls = new AtomicInteger();

        @Tool(description = "The current time in UTC")
        String now() {
            calls.incrementAndGet();
            return "2026-11-30T10:00:00Z";
        }
    }

    private static final String TOOL_CALL = """
            {"id":"c1","object":"chat.completion","created":1,"model":"toolbox-1","choices":[{"index":0,"finish_reason":"tool_calls",
             "message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"now","arguments":"{}"}}]}}],
             "usage":{"prompt_tokens":40,"completion_tokens":7,"total_tokens":47}}""";
    private static final String ANSWER = """
            {"id":"c2","object":"chat.completion","created":2,"model":"toolbox-1","choices":[{"index":0,"finish_reason":"stop",
             "message":{"role":"assistant","content":"It is 10:00 UTC."}}],
             "usage":{"prompt_tokens":60,"completion_tokens":9,"total_tokens":69}}""";

    @Test
    void everyRoundTripOfTheToolLoopIsAnAdmittedCall() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
            byte[] out = (body.contains("\"role\":\"tool\"") ? ANSWER : TOOL_CALL).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream o = ex.getResponseBody()) { o.write(out); }
        });
        server.start();
        try (ConfigurableApplicationContext ctx = TestApp.run(new Class<?>[] {TestApp.class, Listening.class},
                Map.of("NUM_TOOLBOX", "1", "TOOLBOX_API_KEY_1", "fake-toolbox-key-not-real-0001"),
                "keycycle.providers.toolbox.base-url=http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                "keycycle.providers.toolbox.default-model=toolbox-1",
                "keycycle.providers.toolbox.models.toolbox-1.rpm=100",
                "keycycle.tiers.tools=toolbox/toolbox-1", "keycycle.database.url=none")) {
            ChatModel tools = BeanFactoryAnnotationUtils.qualifiedBeanOfType(ctx.getBeanFactory(), ChatModel.class, "tools");
            Clock clock = new Clock();
            String answer = ChatClient.create(tools).prompt().user("What time is it?").tools(clock).call().content();

            assertThat(answer).isEqualTo("It is 10:00 UTC.");
            assertThat(clock.calls.get()).isEqualTo(1);
            assertThat(authorizations).containsExactly("Bearer fake-toolbox-key-not-real-0001", "Bearer fake-toolbox-key-not-real-0001");
            assertThat(SETTLED).extracting(KeycycleEvent.Settled::promptTokens).containsExactly(40L, 60L);
            assertThat(SETTLED).extracting(KeycycleEvent.Settled::completionTokens).containsExactly(7L, 9L);
        } finally {
            server.stop(0);
        }
    }
}
