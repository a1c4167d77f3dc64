package io.keycycle.gateway;

import io.keycycle.core.ProviderResponse;
import io.keycycle.core.pool.ProviderAnswer;
import io.vertx.core.buffer.Buffer;

/**
 * A provider's buffered answer to one plain chat call, whatever its status: the response the
 * profile classifies (usage, rate-limit headers, error bodies) and the raw body passed through to
 * the client unchanged. {@link #CANCELLED} stands for a call whose client went away first, so the
 * pool releases the reservation instead of counting an outcome.
 */
record UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled) implements ProviderAnswer {

    static final UpstreamAnswer CANCELLED = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true);

    int status() { return response.status(); }

    @Override public String toString() {
        return cancelled ? "UpstreamAnswer[cancelled]" : "UpstreamAnswer[HTTP " + status() + ", " + body.length() + " bytes]";
    }
}
