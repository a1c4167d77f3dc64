package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerResponse;

/**
 * An error answer in OpenAI's shape, {@code {"error":{"message","type","code","param",…}}}, so
 * OpenAI client libraries raise their usual exceptions. {@code extra} fields (provider, model,
 * retry_at, …) go inside {@code error}. Never carries a stack trace or a raw key.
 *
 * @param retryAfterSeconds the {@code Retry-After} header, or 0 for none
 */
record ApiError(int status, String type, String code, String message, ObjectNode extra, long retryAfterSeconds) {

    static final String INVALID_REQUEST = "invalid_request_error";

    ApiError {
        extra = extra == null ? Jsons.object() : extra;
    }

    static ApiError of(int status, String type, String code, String message) {
        return new ApiError(status, type, code, message, null, 0);
    }

    static ApiError invalidRequest(String message) { return of(400, INVALID_REQUEST, "invalid_request", message); }

    static ApiError unauthorized(String message) { return of(401, INVALID_REQUEST, "invalid_api_key", message); }

    static ApiError notFound(String message) { return of(404, INVALID_REQUEST, "not_found", message); }

    static ApiError tooLarge(long limit) {
        return of(413, INVALID_REQUEST, "request_too_large",
                "the request body is larger than the gateway's limit of " + limit + " bytes (gateway.max-body-bytes)");
    }

    /** The gateway is at one of its load limits: come back in a second (nothing was sent upstream). */
    static ApiError overloaded(String what) {
        return new ApiError(503, "server_error", "keycycle_overloaded", "the gateway is at its limit of " + what
                + "; retry shortly", null, 1);
    }

    static ApiError internal(String message) { return of(500, "server_error", "internal_error", message); }

    ObjectNode body() {
        ObjectNode root = Jsons.object();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.put("code", code);
        e.putNull("param");
        e.setAll(extra);
        return root;
    }

    /** Writes the error unless the response has already begun. */
    void send(HttpServerResponse r) {
        if (r.ended() || r.closed() || r.headWritten()) return;
        r.setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8");
        if (retryAfterSeconds > 0) r.putHeader("retry-after", Long.toString(retryAfterSeconds));
        if (status == 401) r.putHeader("www-authenticate", "Bearer realm=\"keycycle\"");
        r.end(Jsons.write(body()));
    }
}
