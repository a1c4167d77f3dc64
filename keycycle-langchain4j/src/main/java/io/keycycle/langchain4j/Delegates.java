package io.keycycle.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.keycycle.Keycycle;
import io.keycycle.core.ApiKey;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.config.ModelRef;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One LangChain4j OpenAI model per (provider, model, key), built on first use and kept: pointed at
 * the provider's base URL from the engine's catalog ({@code <P>_BASE_URL} and the file applied),
 * {@code maxRetries(0)} (the engine's loop is the only one), and this module's HTTP transport.
 * Keyed by fingerprint, so the map never holds a secret as a key.
 */
final class Delegates {

    private record Key(String provider, String model, String fingerprint) { }

    private final Keycycle keycycle;
    private final Duration requestTimeout;
    private final java.net.http.HttpClient jdk = StatusKeepingHttpClient.newJdkClient();
    private final ConcurrentMap<Key, ChatModel> chat = new ConcurrentHashMap<>();
    private final ConcurrentMap<Key, StreamingChatModel> streaming = new ConcurrentHashMap<>();

    Delegates(Keycycle keycycle, Duration requestTimeout) {
        this.keycycle = keycycle;
        this.requestTimeout = requestTimeout;
    }

    ChatModel chat(ModelRef candidate, ApiKey key) {
        return chat.computeIfAbsent(key(candidate, key), k -> OpenAiChatModel.builder()
                .baseUrl(baseUrl(candidate.provider()))
                .apiKey(key.secret())
                .modelName(candidate.model())
                .maxRetries(0)
                .timeout(requestTimeout)
                .httpClientBuilder(new StatusKeepingHttpClient.Builder(candidate.provider(), jdk))
                .build());
    }

    StreamingChatModel streaming(ModelRef candidate, ApiKey key) {
        return streaming.computeIfAbsent(key(candidate, key), k -> OpenAiStreamingChatModel.builder()
                .baseUrl(baseUrl(candidate.provider()))
                .apiKey(key.secret())
                .modelName(candidate.model())
                .timeout(requestTimeout)
                .httpClientBuilder(new StatusKeepingHttpClient.Builder(candidate.provider(), jdk))
                .build());
    }

    /** Number of delegates built so far (both kinds). */
    int size() {
        return chat.size() + streaming.size();
    }

    private static Key key(ModelRef candidate, ApiKey key) {
        return new Key(candidate.provider(), candidate.model(), key.fingerprint());
    }

    private String baseUrl(String provider) {
        URI url = keycycle.catalog().provider(provider).baseUrl();
        if (url == null) {
            throw new ConfigurationException("provider " + provider + " has no base URL; set " + provider.toUpperCase(java.util.Locale.ROOT)
                    + "_BASE_URL or providers." + provider + ".base-url in keycycle.yaml");
        }
        return url.toString();
    }
}
