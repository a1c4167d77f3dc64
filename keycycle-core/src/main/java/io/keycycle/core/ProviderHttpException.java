package io.keycycle.core;

import java.util.List;
import java.util.Map;

/** A non-2xx answer from a provider, with everything the classifier needs. */
public class ProviderHttpException extends KeycycleException implements HttpFailure {
    private final transient ProviderResponse response;

    public ProviderHttpException(String provider, ProviderResponse response) {
        super(provider + " answered HTTP " + response.status() + ": " + abbreviate(response.body()));
        this.response = response;
    }

    /** Credentials in the body are redacted before it is shortened (a provider may echo the request). */
    private static String abbreviate(String body) { return io.keycycle.core.classify.ProviderText.abbreviate(body, 301); }

    public ProviderResponse response() { return response; }
    @Override public int statusCode() { return response.status(); }
    @Override public Map<String, List<String>> headers() { return response.headers(); }
    @Override public String body() { return response.body(); }
}
