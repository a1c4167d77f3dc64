package io.keycycle.core.classify;

import io.keycycle.core.HttpFailure;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies a thrown failure. Structured evidence first, text last:
 * <ol>
 *   <li>an {@link HttpFailure} anywhere in the cause chain is classified as its response;</li>
 *   <li>a foreign exception exposing {@code statusCode()}/{@code getStatusCode()} (LangChain4j
 *       {@code HttpException}, OpenAI SDK service exceptions, Spring) is read by reflection, with its
 *       body ({@code body()}, {@code getResponseBody()}, …) or message as the body;</li>
 *   <li>timeouts, refused connections, resets and other I/O errors are TRANSIENT;</li>
 *   <li>only then the message: an HTTP status named as such ("status code: 429", "HTTP 401",
 *       "503 Service Unavailable") or a rate-limit phrase. A number that merely contains 429
 *       ("14290 tokens") is never a status.</li>
 * </ol>
 * Reasons never quote a foreign exception's message verbatim; provider text passes through
 * {@link Reasons}.
 */
final class FailureClassifier {

    private static final int MAX_CHAIN = 16;
    private static final String[] STATUS_METHODS = {"statusCode", "getStatusCode", "getRawStatusCode", "httpStatusCode"};
    private static final String[] BODY_METHODS = {"body", "getBody", "responseBody", "getResponseBody", "getResponseBodyAsString"};
    private static final String[] HEADER_METHODS = {"headers", "getHeaders", "responseHeaders", "getResponseHeaders"};

    private static final Pattern LABELLED_STATUS = Pattern.compile(
            "(?i)\\b(?:http(?:/[\\d.]+)?|status(?:[ _-]?code)?|response[ _-]?code|error[ _-]?code|code)"
                    + "\\s*[:=]?\\s*(\\d{3})(?!\\d|[.,]\\d)");
    private static final Pattern PHRASED_STATUS = Pattern.compile(
            "(?i)(?<![\\d.,])\\b(\\d{3})\\s*-?\\s*(?:too many requests|unauthorized|forbidden|payment required|not found|"
                    + "bad request|request timeout|payload too large|unprocessable entity|internal server error|"
                    + "bad gateway|service unavailable|gateway timeout)\\b");
    private static final Pattern LEADING_STATUS = Pattern.compile("^\\s*(\\d{3})\\s*[:\\-]\\s");
    private static final Pattern RATE_PHRASE = Pattern.compile("(?i)\\b(?:rate[ -]limit(?:ed)?|too many requests)\\b");

    private FailureClassifier() {
    }

    static Outcome classify(BaseProfile profile, Throwable failure, Instant now) {
        if (failure == null) return Outcome.of(OutcomeKind.TRANSIENT, 0, "no failure given");
        List<Throwable> chain = chain(failure);
        for (Throwable t : chain) {
            if (t instanceof HttpFailure http) {
                ProviderResponse r = response(http);
                if (r != null) return notSuccess(profile.classify(r, now));
            }
        }
        for (Throwable t : chain) {
            ProviderResponse r = reflectiveResponse(t);
            if (r != null) return notSuccess(profile.classify(r, now));
        }
        for (Throwable t : chain) {
            Outcome o = ioFailure(t);
            if (o != null) return o;
        }
        for (Throwable t : chain) {
            Outcome o = fromMessage(profile, t, now);
            if (o != null) return o;
        }
        return Outcome.of(OutcomeKind.TRANSIENT, 0, "call failed (" + failure.getClass().getName() + ")");
    }

    /** A thrown failure is never a success, even if it carries a 2xx answer without an error in it. */
    private static Outcome notSuccess(Outcome o) {
        return o.isSuccess() ? Outcome.of(OutcomeKind.TRANSIENT, o.status(), "call failed after HTTP " + o.status()) : o;
    }

    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> out = new ArrayList<>();
        for (Throwable t = failure; t != null && out.size() < MAX_CHAIN && seen.add(t); t = t.getCause()) {
            out.add(t);
        }
        return out;
    }

    private static ProviderResponse response(HttpFailure http) {
        try {
            return new ProviderResponse(http.statusCode(), http.headers(), http.body());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Outcome ioFailure(Throwable t) {
        String kind;
        if (t instanceof HttpTimeoutException) kind = "HTTP request timed out";
        else if (t instanceof SocketTimeoutException) kind = "socket timed out";
        else if (t instanceof ConnectException) kind = "connection failed";
        else if (t instanceof java.util.concurrent.TimeoutException) kind = "timed out";
        else if (t instanceof InterruptedIOException) kind = "I/O interrupted or timed out";
        else if (t instanceof IOException && lower(t.getMessage()).contains("connection reset")) kind = "connection reset";
        else if (t instanceof IOException) kind = "I/O failure";
        else if (t.getClass().getSimpleName().contains("Timeout")) kind = "timed out";
        else return null;
        return Outcome.of(OutcomeKind.TRANSIENT, 0, kind + " (" + t.getClass().getName() + ")");
    }

    private static Outcome fromMessage(BaseProfile profile, Throwable t, Instant now) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) return null;
        String m = message.length() > 16_384 ? message.substring(0, 16_384) : message;
        int status = statusInText(m);
        if (status != 0) {
            return profile.classify(new ProviderResponse(status, Map.of(), jsonPart(m)), now);
        }
        if (RATE_PHRASE.matcher(m).find()) {
            return Outcome.of(OutcomeKind.RATE_LIMITED, 0, "rate limited (from " + t.getClass().getSimpleName() + " text)")
                    .withRetryAfter(RetryDelays.fromMessage(m).orElse(null));
        }
        return null;
    }

    /** An HTTP error status (400–599) named as such in text, or 0. */
    static int statusInText(String text) {
        for (Pattern p : new Pattern[] {LABELLED_STATUS, PHRASED_STATUS, LEADING_STATUS}) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                int s = Integer.parseInt(m.group(1));
                if (s >= 400 && s <= 599) return s;
            }
        }
        return 0;
    }

    /** The JSON part of a message such as {@code "HTTP 429: {\"error\":…}"}, or the message. */
    private static String jsonPart(String message) {
        int brace = message.indexOf('{');
        int bracket = message.indexOf('[');
        int start = brace < 0 ? bracket : bracket < 0 ? brace : Math.min(brace, bracket);
        if (start < 0) return message;
        String candidate = message.substring(start);
        return ErrorBody.readTree(candidate).isMissingNode() ? message : candidate;
    }

    // ---- reflection over foreign SDK exceptions -------------------------------------------------

    private static ProviderResponse reflectiveResponse(Throwable t) {
        if (t instanceof HttpFailure || t.getClass().getName().startsWith("java.")) return null;
        int status = 0;
        for (String name : STATUS_METHODS) {
            status = asStatus(call(t, name).orElse(null));
            if (status != 0) break;
        }
        if (status == 0) return null;
        String body = null;
        for (String name : BODY_METHODS) {
            body = asText(call(t, name).orElse(null));
            if (body != null && !body.isBlank()) break;
        }
        if (body == null || body.isBlank()) body = t.getMessage();
        Map<String, List<String>> headers = Map.of();
        for (String name : HEADER_METHODS) {
            headers = asHeaders(call(t, name).orElse(null));
            if (!headers.isEmpty()) break;
        }
        return new ProviderResponse(status, headers, body);
    }

    private static Optional<Object> call(Object target, String name) {
        return Optional.ofNullable(ReflectiveUsage.invoke(ReflectiveUsage.find(target.getClass(), name), target));
    }

    private static int asStatus(Object value) {
        Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
        if (v != null && !(v instanceof Number)) {
            v = call(v, "value").orElse(null);         // Spring's HttpStatusCode
        }
        if (v instanceof Number n) {
            int s = n.intValue();
            return s >= 100 && s <= 599 ? s : 0;
        }
        return 0;
    }

    private static String asText(Object value) {
        Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
        if (v == null) return null;
        if (v instanceof byte[] bytes) return new String(bytes, StandardCharsets.UTF_8);
        return v.toString();
    }

    private static Map<String, List<String>> asHeaders(Object value) {
        if (!(value instanceof Map<?, ?> map)) return Map.of();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String k)) continue;
            Object v = e.getValue();
            List<String> values = new ArrayList<>();
            if (v instanceof Collection<?> c) {
                for (Object x : c) if (x != null) values.add(x.toString());
            } else if (v != null) {
                values.add(v.toString());
            }
            out.put(k, values);
        }
        return out;
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }
}
