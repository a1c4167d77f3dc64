package io.keycycle.gateway;

import io.keycycle.core.ProviderResponse;
import io.keycycle.core.Usage;
import io.keycycle.core.client.BodyScan;
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
record UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled, boolean reachedProvider) implements ProviderAnswer, PlainAnswer {

    static final UpstreamAnswer CANCELLED = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true, true);
    static final UpstreamAnswer NOT_SENT = new UpstreamAnswer(new ProviderResponse(499, null, ""), Buffer.buffer(), true, false);
    static final UpstreamAnswer BUSY = new UpstreamAnswer(new ProviderResponse(503, null, ""), Buffer.buffer(), true, false);

    UpstreamAnswer(ProviderResponse response, Buffer body, boolean cancelled) { this(response, body, cancelled, true); }

    /**
     * The answer read from {@code resp}. A 2xx JSON object without a top-level {@code error} (the
     * hot path) is judged from a scan of its bytes: the engine gets its usage and the rate-limit
     * headers, not a copy of the body to parse again, and the body goes to the client untouched.
     * Anything else (errors, odd bodies) is handed over whole. A 2xx body that is not a JSON object
     * (a proxy's HTML page) is no chat completion: it is judged as the upstream failure it is (502).
     */
    static PlainAnswer of(HttpClientResponse resp, Buffer body) {
        int status = resp.statusCode();
        if (status / 100 != 2) return whole(resp, status, body);
        BodyScan scan;
        io.netty.buffer.ByteBuf bb = ((io.vertx.core.internal.buffer.BufferInternal) body).getByteBuf();
        if (bb.hasArray()) {
            scan = BodyScan.of(bb.array(), bb.arrayOffset() + bb.readerIndex(), bb.readableBytes());
        } else {
            byte[] bytes = body.getBytes();
            scan = BodyScan.of(bytes, 0, bytes.length);
        }
        if (scan.error()) return whole(resp, status, body);
        if (!scan.object()) {
            String type = resp.getHeader("content-type");
            var error = Jsons.object();
            error.putObject("error").put("message", "the provider answered HTTP " + status + " with content-type "
                    + (type == null ? "none" : type) + ", not a JSON chat completion");
            String why = Jsons.write(error);
            return new UpstreamAnswer(new ProviderResponse(502, allHeaders(resp), why), Buffer.buffer(why), false, true);
        }
        Usage u = scan.usage();
        String type = null;
        Map<String, List<String>> limits = null;
        for (Map.Entry<String, String> e : resp.headers()) {
            String name = e.getKey();
            if (name.equalsIgnoreCase("content-type")) {
                type = e.getValue();
            } else if (isLimitHeader(name)) {
                if (limits == null) limits = new HashMap<>();
                limits.computeIfAbsent(name, k -> new ArrayList<>(1)).add(e.getValue());
            }
        }
        if (limits == null) return new PlainAnswer.Success(status, type, body, u);
        if (type != null) limits.put("content-type", List.of(type));
        String judged = u == null ? "{}" : io.keycycle.core.client.UsageReader.asBody(u);
        return new UpstreamAnswer(new ProviderResponse(status, limits, judged), body, false, true);
    }

    private static UpstreamAnswer whole(HttpClientResponse resp, int status, Buffer body) {
        return new UpstreamAnswer(new ProviderResponse(status, allHeaders(resp), body.toString(StandardCharsets.UTF_8)), body, false, true);
    }

    private static Map<String, List<String>> allHeaders(HttpClientResponse resp) {
        Map<String, List<String>> headers = new HashMap<>();
        resp.headers().forEach(e -> headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue()));
        return headers;
    }

    /** A header classification may read on a success: rate limits, resets, retry hints, quotas. */
    static boolean isLimitHeader(String name) {
        return contains(name, "ratelimit") || contains(name, "rate-limit") || contains(name, "retry")
                || contains(name, "quota") || contains(name, "reset");
    }

    private static boolean contains(String s, String lower) {
        char first = lower.charAt(0);
        for (int i = 0, n = s.length() - lower.length(); i <= n; i++) {
            // compare the first letter before the region (header names are ASCII; lower is lower case)
            if ((s.charAt(i) | 0x20) == first && s.regionMatches(true, i, lower, 0, lower.length())) return true;
        }
        return false;
    }

    @Override public int status() { return response.status(); }

    @Override public String contentType() { return response.header("content-type"); }

    @Override public String toString() {
        if (this == BUSY) return "UpstreamAnswer[busy, not sent]";
        return cancelled ? "UpstreamAnswer[cancelled" + (reachedProvider ? "" : ", not sent") + "]" : "UpstreamAnswer[HTTP " + status() + ", " + body.length() + " bytes]";
    }
}
