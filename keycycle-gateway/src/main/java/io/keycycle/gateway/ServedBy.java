package io.keycycle.gateway;

import io.keycycle.Served;
import io.vertx.core.http.HttpServerResponse;

/**
 * Who served (or is serving) a request, as sent in the {@code x-keycycle-*} response headers.
 *
 * @param attempts  tries so far, rotations and fallbacks included
 * @param fallbacks candidates skipped before this one
 */
record ServedBy(String provider, String model, String fingerprint, int attempts, int fallbacks) {

    static ServedBy of(Served<?> s) {
        return new ServedBy(s.provider(), s.model(), s.fingerprint(), s.attempts(), s.fallbacks());
    }

    void putHeaders(HttpServerResponse r) {
        r.putHeader("x-keycycle-provider", provider);
        r.putHeader("x-keycycle-model", model);
        // fingerprints end in "…last4"; headers must be ASCII, so the ellipsis is sent as "..."
        r.putHeader("x-keycycle-key", asciiFingerprint(fingerprint));
        r.putHeader("x-keycycle-attempts", Integer.toString(attempts));
        r.putHeader("x-keycycle-fallbacks", Integer.toString(fallbacks));
    }

    static String asciiFingerprint(String fp) { return fp == null ? "" : fp.replace("…", "..."); }
}
