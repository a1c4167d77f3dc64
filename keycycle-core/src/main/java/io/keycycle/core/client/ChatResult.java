package io.keycycle.core.client;

import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.Usage;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one non-streaming call returned, whatever the status: the provider's status, headers
 * (case-insensitive names, all kept: the classifier reads {@code retry-after} and
 * {@code x-ratelimit-*}), the raw body and the usage parsed from it. Immutable.
 */
public final class ChatResult implements io.keycycle.core.pool.ProviderAnswer {

    private final String provider;
    private final ProviderResponse response;
    private final byte[] body;
    private final Usage usage;
    private final Duration elapsed;

    ChatResult(String provider, int status, Map<String, List<String>> headers, byte[] body, Duration elapsed) {
        this.provider = provider;
        this.body = body == null ? new byte[0] : body;
        this.response = new ProviderResponse(status, headers, new String(this.body, StandardCharsets.UTF_8));
        this.usage = UsageReader.fromBody(response.body()).orElse(null);
        this.elapsed = elapsed;
    }

    public int status() { return response.status(); }

    public boolean isSuccess() { return status() / 100 == 2; }

    /** Response headers; names are case-insensitive. */
    public Map<String, List<String>> headers() { return response.headers(); }

    /** First value of a header, or null. */
    public String header(String name) { return response.header(name); }

    /** The body exactly as received (a copy). */
    public byte[] body() { return body.clone(); }

    /** The body decoded as UTF-8. */
    public String bodyText() { return response.body(); }

    /**
     * Usage from {@code usage}, else {@code x_groq.usage}, else {@code usageMetadata}; empty when
     * the body carries none (error answers, providers that omit it).
     */
    public Optional<Usage> usage() { return Optional.ofNullable(usage); }

    /** Time from sending the request to the last body byte. */
    public Duration elapsed() { return elapsed; }

    /** The answer in the form {@link io.keycycle.core.ProviderProfile#classify} takes. */
    @Override
    public ProviderResponse response() { return response; }

    /**
     * Returns this result if the status is 2xx.
     *
     * @throws ProviderHttpException for any other status, carrying status, headers and body
     */
    public ChatResult orThrow() {
        if (!isSuccess()) {
            throw new ProviderHttpException(provider, response);
        }
        return this;
    }

    @Override
    public String toString() {
        return "ChatResult[" + provider + " HTTP " + status() + ", " + body.length + " bytes, usage=" + usage
                + ", " + elapsed.toMillis() + " ms]";
    }
}
