package io.keycycle.spring;

import io.keycycle.core.HttpFailure;
import io.keycycle.core.ProviderResponse;

import java.util.List;
import java.util.Map;

/**
 * A provider's non-2xx answer with its status, headers and raw body, as recorded by
 * {@link KeyRoutes}: the engine classifies it exactly (a Groq 429's {@code retry-after}, Gemini's
 * {@code RetryInfo}, a 401 that disables the key). The SDK's own exception is the cause. The message
 * names the provider and status and quotes at most 300 characters of the body.
 */
public final class UpstreamHttpException extends RuntimeException implements HttpFailure {

    private final String provider;
    private final transient ProviderResponse response;

    UpstreamHttpException(String provider, ProviderResponse response, Throwable cause) {
        super(provider + " answered HTTP " + response.status() + ": " + abbreviate(response.body()), cause);
        this.provider = provider;
        this.response = response;
    }

    private static String abbreviate(String body) {
        String b = body.replaceAll("\\s+", " ").trim();
        return b.length() > 300 ? b.substring(0, 300) + "…" : b;
    }

    public String provider() { return provider; }

    @Override public int statusCode() { return response.status(); }

    @Override public Map<String, List<String>> headers() { return response.headers(); }

    @Override public String body() { return response.body(); }

    @Override public ProviderResponse toResponse() { return response; }
}
