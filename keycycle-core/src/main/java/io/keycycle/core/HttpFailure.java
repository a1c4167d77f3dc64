package io.keycycle.core;

import java.util.List;
import java.util.Map;

/**
 * Implemented by exceptions that carry a provider's HTTP answer, so classification can read
 * structured fields (status, headers, body) instead of guessing from message text. Keycycle's own
 * clients throw {@link ProviderHttpException}; adapters for other SDKs can implement this.
 */
public interface HttpFailure {
    int statusCode();

    Map<String, List<String>> headers();

    String body();

    default ProviderResponse toResponse() { return new ProviderResponse(statusCode(), headers(), body()); }
}
