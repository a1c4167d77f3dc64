package io.keycycle.gateway;

import io.keycycle.core.ProviderResponse;
import io.keycycle.core.pool.ProviderAnswer;
import io.vertx.core.buffer.Buffer;

/**
 * A provider's buffered answer to one plain chat call, whatever its status: the response the
 * profile classifies (usage, rate-limit headers, error bodies) and the raw body passed through to
 * the client unchanged. {@link #CANCELLED} stands for a call whose client went away after the
 * request may have been written (the pool abandons the lease: the request stays counted, as the
 * provider counts it); {@link #NOT_SENT} for one whose client went away before anything was sent
 * (the reservation is released).
 */
record UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled, boolean reachedProvider) implements ProviderAnswer {

    static final UpstreamAnswer CANCELLED = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true, true);
    static final UpstreamAnswer NOT_SENT = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true, false);

    UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled) { this(response, body, cancelled, true); }

    int status() { return response.status(); }

    @Override public String toString() {
        return cancelled ? "UpstreamAnswer[cancelled" + (reachedProvider ? "" : ", not sent") + "]" : "UpstreamAnswer[HTTP " + status() + ", " + body.length() + " bytes]";
    }
}
