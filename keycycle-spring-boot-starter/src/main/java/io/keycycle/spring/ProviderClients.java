package io.keycycle.spring;

import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientAsync;
import io.keycycle.Keycycle;
import io.keycycle.core.ConfigurationException;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.http.okhttp.OpenAiHttpClientBuilderCustomizer;
import org.springframework.ai.openai.setup.OpenAiSetup;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One Spring AI {@link OpenAiChatModel} per provider, built on first use and shared by every
 * rotating model of the application: pointed at the provider's base URL from the engine's catalog
 * ({@code <P>_BASE_URL} and {@code keycycle.providers.<p>.base-url} applied), the SDK's retries set
 * to 0 (the engine's loop is the only one, so a 429 reaches it instead of hitting the same key
 * again), and {@link KeyRoutes} on its OkHttp client to send each attempt with its admitted key.
 * One OkHttp connection pool per provider, whatever the number of keys.
 */
final class ProviderClients implements AutoCloseable {

    private record Clients(OpenAiChatModel model, OpenAIClient sync, OpenAIClientAsync async) { }

    private final Keycycle keycycle;
    /** The longest a stream may run, however steadily it delivers (the gateway's default too). */
    static final Duration STREAM_DEADLINE = Duration.ofMinutes(30);

    private final Duration requestTimeout;
    private final ObservationRegistry observations;
    private final KeyRoutes routes = new KeyRoutes();
    private final ConcurrentMap<String, Clients> byProvider = new ConcurrentHashMap<>();

    ProviderClients(Keycycle keycycle, Duration requestTimeout, ObservationRegistry observations) {
        this.keycycle = keycycle;
        this.requestTimeout = requestTimeout;
        this.observations = observations == null ? ObservationRegistry.NOOP : observations;
    }

    KeyRoutes routes() {
        return routes;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    OpenAiChatModel model(String provider) {
        return byProvider.computeIfAbsent(provider, this::build).model();
    }

    private Clients build(String provider) {
        String url = baseUrl(provider);
        List<OpenAiHttpClientBuilderCustomizer> hook = List.of(b -> b.interceptor(routes));
        // The SDK's request timeout is OkHttp's whole-call timeout, which cut any stream longer than
        // request-timeout however steadily it delivered: it now bounds each silence (connecting,
        // then between two reads) and a whole exchange only at STREAM_DEADLINE, as the gateway does.
        com.openai.core.Timeout timeout = com.openai.core.Timeout.builder().connect(requestTimeout).read(requestTimeout)
                .write(requestTimeout).request(STREAM_DEADLINE).build();
        OpenAIClient sync = OpenAiSetup.setupSyncClient(url, KeyRoutes.PLACEHOLDER_KEY, null, null, null, null, false, false,
                null, requestTimeout, 0, null, null, observations, null, hook).withOptions(o -> o.timeout(timeout));
        OpenAIClientAsync async = OpenAiSetup.setupAsyncClient(url, KeyRoutes.PLACEHOLDER_KEY, null, null, null, null, false, false,
                null, requestTimeout, 0, null, null, observations, null, hook).withOptions(o -> o.timeout(timeout));
        OpenAiChatModel model = OpenAiChatModel.builder()
                .openAiClient(sync)
                .openAiClientAsync(async)
                .options(OpenAiChatOptions.builder().baseUrl(url).maxRetries(0).build()) // no per-request timeout: the clients' apply
                .observationRegistry(observations)
                .build();
        return new Clients(model, sync, async);
    }

    private String baseUrl(String provider) {
        URI url = keycycle.catalog().provider(provider).baseUrl();
        if (url == null) {
            throw new ConfigurationException("provider " + provider + " has no base URL; set " + provider.toUpperCase(Locale.ROOT)
                    + "_BASE_URL or keycycle.providers." + provider + ".base-url");
        }
        return url.toString();
    }

    /** Closes the SDK clients (their OkHttp pools and dispatcher threads). */
    @Override
    public void close() {
        for (Clients c : byProvider.values()) {
            c.sync().close();
            c.async().close();
        }
        byProvider.clear();
    }
}
