package io.keycycle.langchain4j;

import dev.langchain4j.exception.HttpException;
import io.keycycle.core.HttpFailure;
import io.keycycle.core.ProviderResponse;

import java.util.List;
import java.util.Map;

/**
 * A non-2xx answer as this module's HTTP transport throws it: a LangChain4j {@link HttpException}
 * (so LangChain4j maps it to {@code RateLimitException}, {@code AuthenticationException}, … as usual,
 * keeping it as the cause) that also carries the response headers, which LangChain4j's own clients
 * drop. Being an {@link HttpFailure}, it is classified from status, headers and body wherever it
 * sits in a cause chain.
 *
 * <p>The message names the provider and status and quotes at most 300 characters of the body.
 */
public final class ProviderStatusException extends HttpException implements HttpFailure {

    private final String provider;
    private final transient ProviderResponse response;

    public ProviderStatusException(String provider, ProviderResponse response) {
        super(response.status(), provider + " answered HTTP " + response.status() + ": " + abbreviate(response.body()));
        this.provider = provider;
        this.response = response;
    }

    private static String abbreviate(String body) {
        String b = body.replaceAll("\\s+", " ").trim();
        return b.length() > 300 ? b.substring(0, 300) + "…" : b;
    }

    public String provider() { return provider; }

    public ProviderResponse response() { return response; }

    @Override public Map<String, List<String>> headers() { return response.headers(); }

    @Override public String body() { return response.body(); }

    @Override public ProviderResponse toResponse() { return response; }
}
