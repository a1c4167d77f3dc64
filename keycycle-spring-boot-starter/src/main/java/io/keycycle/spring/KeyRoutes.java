package io.keycycle.spring;

import io.keycycle.core.ApiKey;
import io.keycycle.core.ProviderResponse;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-call key hook at the HTTP level. Spring AI 2.0's OpenAI client (the official
 * {@code openai-java} SDK) reads its API key once, when it is built; Keycycle picks a key per call.
 * So each provider gets one client whose key is a placeholder, every attempt opens a {@link Route}
 * for the key the pool admitted, and the request carries only the route's random token in
 * {@value #HEADER}. This OkHttp interceptor (registered through Spring AI's
 * {@code OpenAiHttpClientBuilderCustomizer}) swaps the token for {@code Authorization: Bearer <key>}
 * just before the request leaves, below the SDK's own logging, and records the answer's status,
 * headers and (for errors) body, which the SDK does not hand back: the provider profile reads
 * {@code retry-after} and {@code x-ratelimit-*} from them.
 *
 * <p>A request without a live route is refused before it is sent (fail closed): the placeholder is
 * never presented to a provider. The secret never appears in a header the SDK or Spring AI sees.
 */
final class KeyRoutes implements Interceptor {

    /** The request header carrying a route token (never a secret). */
    static final String HEADER = "X-Keycycle-Route";

    /** The key the SDK is built with; never sent (the interceptor replaces or refuses). */
    static final String PLACEHOLDER_KEY = "keycycle-routes-each-call";

    /** Error bodies are kept up to this size for classification. */
    static final long MAX_ERROR_BODY = 64 * 1024;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ConcurrentMap<String, Route> routes = new ConcurrentHashMap<>();

    /** A route for one attempt with {@code key}, without a call deadline; close it when the attempt ends. */
    Route open(ApiKey key) {
        return open(key, Long.MAX_VALUE);
    }

    /**
     * A route for one attempt with {@code key} of a call that ends at {@code deadlineNanos}
     * ({@link System#nanoTime()}; {@link Long#MAX_VALUE}: none); close it when the attempt ends.
     */
    Route open(ApiKey key, long deadlineNanos) {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        Route r = new Route(HexFormat.of().formatHex(b), key, deadlineNanos);
        routes.put(r.token(), r);
        return r;
    }

    void close(Route route) {
        routes.remove(route.token(), route);
    }

    int open() {
        return routes.size();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        String token = request.header(HEADER);
        Route route = token == null ? null : routes.get(token);
        if (route == null) {
            throw new IOException("request to " + request.url().host() + " refused: it carries no key admitted by Keycycle"
                    + (token == null ? "" : " (its route is closed)"));
        }
        Request sent = request.newBuilder()
                .removeHeader(HEADER)
                .header("Authorization", "Bearer " + route.key().secret())
                .build();
        // An attempt started late gets what is left of the call (keycycle.calls.timeout), not a whole
        // request timeout of its own: connecting, sending and each silence are bounded by it.
        long left = route.deadlineNanos() == Long.MAX_VALUE ? Long.MAX_VALUE
                : Math.max(1, TimeUnit.NANOSECONDS.toMillis(route.deadlineNanos() - System.nanoTime()));
        if (left < chain.readTimeoutMillis()) chain = chain.withReadTimeout((int) left, TimeUnit.MILLISECONDS);
        if (left < chain.connectTimeoutMillis()) chain = chain.withConnectTimeout((int) left, TimeUnit.MILLISECONDS);
        if (left < chain.writeTimeoutMillis()) chain = chain.withWriteTimeout((int) left, TimeUnit.MILLISECONDS);
        Response response = chain.proceed(sent);
        String body = response.isSuccessful() ? "" : response.peekBody(MAX_ERROR_BODY).string();
        route.answered(new ProviderResponse(response.code(), response.headers().toMultimap(), body));
        return response;
    }

    /** One attempt's key and, once it came, the provider's answer (status, headers, error body). */
    static final class Route {
        private final String token;
        private final ApiKey key;
        private final long deadlineNanos;
        private volatile ProviderResponse answer;

        Route(String token, ApiKey key, long deadlineNanos) {
            this.token = token;
            this.key = key;
            this.deadlineNanos = deadlineNanos;
        }

        String token() { return token; }

        /** When the call ends ({@link System#nanoTime()}), {@link Long#MAX_VALUE} when it has no deadline. */
        long deadlineNanos() { return deadlineNanos; }

        ApiKey key() { return key; }

        void answered(ProviderResponse r) { this.answer = r; }

        /** The answer's status and headers, or null when no answer came (I/O failure, refused). */
        ProviderResponse answer() { return answer; }

        /** The headers of the answer, empty when none came. */
        Map<String, java.util.List<String>> headers() {
            ProviderResponse a = answer;
            return a == null ? Map.of() : a.headers();
        }

        /**
         * What a failed attempt is classified as: the provider's error answer when there was one
         * (status, headers, raw body), else the failure itself (timeouts and I/O errors are transient).
         */
        RuntimeException failure(String provider, Throwable thrown) {
            ProviderResponse a = answer;
            if (a != null && (a.status() < 200 || a.status() > 299)) return new UpstreamHttpException(provider, a, thrown);
            if (thrown instanceof RuntimeException re) return re;
            return new IllegalStateException(provider + " call failed: " + thrown, thrown);
        }
    }
}
