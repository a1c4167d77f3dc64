package io.keycycle.gateway;

import io.keycycle.core.ProviderResponse;
import io.keycycle.core.pool.ProviderAnswer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A provider's buffered answer to one plain chat call, whatever its status: the response the
 * profile classifies (usage, rate-limit headers, error bodies) and the raw body passed through to
 * the client unchanged. {@link #CANCELLED} stands for a call whose client went away after the
 * request may have been written (the pool abandons the lease: the request stays counted, as the
 * provider counts it); {@link #NOT_SENT} for one whose client went away before anything was sent
 * and {@link #BUSY} for one that found no free upstream connection (both give the reservation back).
 */
record UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled, boolean reachedProvider) implements ProviderAnswer {

    static final UpstreamAnswer CANCELLED = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true, true);
    static final UpstreamAnswer NOT_SENT = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true, false);
    static final UpstreamAnswer BUSY = new UpstreamAnswer(new ProviderResponse(503, null, ""), Buffer.buffer(), true, false);

    UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled) { this(response, body, cancelled, true); }

    /**
     * The answer read from {@code resp}: status, headers, body. A 2xx body that is not JSON (a
     * proxy's HTML page) is no chat completion: it is judged as the upstream failure it is (502).
     */
    static UpstreamAnswer of(HttpClientResponse resp, Buffer body) {
        Map<String, List<String>> headers = new HashMap<>();
        resp.headers().forEach(e -> headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue()));
        int status = resp.statusCode();
        String type = resp.getHeader("content-type");
        if (status / 100 == 2 && !isJson(type, body)) {
            var error = Jsons.object();
            error.putObject("error").put("message", "the provider answered HTTP " + status + " with content-type "
                    + (type == null ? "none" : type) + ", not a JSON chat completion");
            String why = Jsons.write(error);
            return new UpstreamAnswer(new ProviderResponse(502, headers, why), Buffer.buffer(why), false, true);
        }
        return new UpstreamAnswer(new ProviderResponse(status, headers, body.toString(StandardCharsets.UTF_8)), body, false, true);
    }

    private static boolean isJson(String type, Buffer body) {
        if (type != null && type.toLowerCase(java.util.Locale.ROOT).contains("json")) return true;
        for (int i = 0; i < body.length(); i++) {
            byte b = body.getByte(i);
            if (b == '{' || b == '[') return true;
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        }
        return false;
    }

    int status() { return response.status(); }

    @Override public String toString() {
        if (this == BUSY) return "UpstreamAnswer[busy, not sent]";
        return cancelled ? "UpstreamAnswer[cancelled" + (reachedProvider ? "" : ", not sent") + "]" : "UpstreamAnswer[HTTP " + status() + ", " + body.length() + " bytes]";
    }
}
