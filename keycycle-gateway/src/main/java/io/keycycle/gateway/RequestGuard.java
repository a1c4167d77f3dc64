package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.RoutingContext;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Checks what a client sends before anything is reserved or sent upstream, so that bad input is a
 * 4xx naming the field, never a 500 (or a stack trace in the log): POST bodies must be JSON
 * ({@link #jsonOnly}, 415 otherwise), and the OpenAI fields the engine or the providers interpret
 * must have their documented types and ranges ({@link #checkChat}, 400 with {@code param} set).
 */
final class RequestGuard {

    /** Largest completion limit accepted (OpenAI's fields are 32-bit integers). */
    static final long MAX_COMPLETION_TOKENS = Integer.MAX_VALUE;

    private RequestGuard() { }

    /** Route handler for POST: the body must be declared {@code application/json} (or {@code +json}). */
    static void jsonOnly(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (!isJson(type)) {
            String got = type == null ? "no Content-Type" : "Content-Type '" + cut(type) + "'";
            ApiError.of(415, ApiError.INVALID_REQUEST, "unsupported_media_type",
                    "the gateway accepts only JSON bodies: send 'Content-Type: application/json' (got " + got + ")")
                    .send(ctx.response());
            return;
        }
        ctx.next();
    }

    static boolean isJson(String contentType) {
        if (contentType == null) return false;
        if (contentType.equalsIgnoreCase("application/json")) return true; // the common case, without splitting
        String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
    }

    /** Null when the chat request's typed fields are fine, else the 400 to send. */
    static ApiError checkChat(JsonNode body) {
        ApiError e;
        if ((e = integer(body, "max_tokens", 1, MAX_COMPLETION_TOKENS)) != null) return e;
        if ((e = integer(body, "max_completion_tokens", 1, MAX_COMPLETION_TOKENS)) != null) return e;
        if ((e = integer(body, "n", 1, 128)) != null) return e;
        if ((e = integer(body, "top_logprobs", 0, 20)) != null) return e;
        if ((e = integer(body, "seed", Long.MIN_VALUE, Long.MAX_VALUE)) != null) return e;
        if ((e = number(body, "temperature", 0, 2)) != null) return e;
        if ((e = number(body, "top_p", 0, 1)) != null) return e;
        if ((e = number(body, "presence_penalty", -2, 2)) != null) return e;
        if ((e = number(body, "frequency_penalty", -2, 2)) != null) return e;
        for (String f : new String[] {"logprobs", "parallel_tool_calls", "store"}) {
            if ((e = bool(body, f)) != null) return e;
        }
        if ((e = type(body, "user", JsonNode::isTextual, "a string")) != null) return e;
        if ((e = type(body, "tools", JsonNode::isArray, "an array")) != null) return e;
        if ((e = type(body, "response_format", JsonNode::isObject, "an object")) != null) return e;
        if ((e = type(body, "stream_options", JsonNode::isObject, "an object")) != null) return e;
        if ((e = type(body, "tool_choice", n -> n.isTextual() || n.isObject(), "a string or an object")) != null) return e;
        if ((e = type(body, "stop", n -> n.isTextual() || (n.isArray() && allText(n)), "a string or an array of strings")) != null) return e;
        JsonNode messages = body.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) return bad(at, "'" + at + "' must be an object {role, content}, was " + kind(m));
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || role.asText().isBlank()) {
                return bad(at + ".role", "'" + at + ".role' must be a non-empty string, was " + show(role));
            }
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                return bad(at + ".content", "'" + at + ".content' must be a string or an array of parts, was " + kind(content));
            }
        }
        return null;
    }

    private static ApiError integer(JsonNode body, String field, long min, long max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        boolean ok = n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= min && n.longValue() <= max;
        if (ok) return null;
        String range = min == Long.MIN_VALUE ? "a 64-bit integer" : "an integer from " + min + " to " + max;
        return bad(field, "'" + field + "' must be " + range + ", was " + show(n));
    }

    private static ApiError number(JsonNode body, String field, double min, double max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        // An exponent past a double's range (1e400) reads as an infinity, which has no decimal value.
        if (n.isNumber() && !(n.isFloatingPointNumber() && !Double.isFinite(n.doubleValue()))) {
            BigDecimal v = n.decimalValue();
            if (v.compareTo(BigDecimal.valueOf(min)) >= 0 && v.compareTo(BigDecimal.valueOf(max)) <= 0) return null;
        }
        return bad(field, "'" + field + "' must be a number from " + fmt(min) + " to " + fmt(max) + ", was " + show(n));
    }

    private static ApiError bool(JsonNode body, String field) {
        return type(body, field, JsonNode::isBoolean, "true or false");
    }

    private static ApiError type(JsonNode body, String field, java.util.function.Predicate<JsonNode> ok, String what) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull() || ok.test(n)) return null;
        return bad(field, "'" + field + "' must be " + what + ", was " + show(n));
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode x : array) if (!x.isTextual()) return false;
        return true;
    }

    private static ApiError bad(String param, String message) {
        ObjectNode extra = Jsons.object();
        extra.put("param", param);
        return new ApiError(400, ApiError.INVALID_REQUEST, "invalid_value", message, extra, 0);
    }

    private static String show(JsonNode n) {
        if (n == null) return "missing";
        String s = n.toString();
        return cut(s) + (n.isTextual() ? " (a string)" : "");
    }

    private static String kind(JsonNode n) { return n.getNodeType().name().toLowerCase(Locale.ROOT); }

    private static String fmt(double d) { return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d); }

    private static String cut(String s) {
        String c = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        return c.replaceAll("[\\p{Cntrl}]", "?");
    }
}
