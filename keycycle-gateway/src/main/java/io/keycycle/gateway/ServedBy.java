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
        r.putHeader("x-keycycle-provider", headerValue(provider));
        // with allow-unknown-models the model is the client's string: any character may be in it
        r.putHeader("x-keycycle-model", headerValue(model));
        // fingerprints end in "…last4"; headers must be ASCII, so the ellipsis is sent as "..."
        r.putHeader("x-keycycle-key", asciiFingerprint(fingerprint));
        r.putHeader("x-keycycle-attempts", Integer.toString(attempts));
        r.putHeader("x-keycycle-fallbacks", Integer.toString(fallbacks));
    }

    static String asciiFingerprint(String fp) { return fp == null ? "" : fp.replace("…", "..."); }

    /**
     * {@code s} as a header can carry it: printable ASCII as is, anything else (line breaks, control
     * characters, non-ASCII) and {@code %} itself percent-encoded as UTF-8 bytes ({@code a%0Ab}).
     * A raw line break made the header write throw and the answer was never sent.
     */
    static String headerValue(String s) {
        if (s == null) return "";
        boolean plain = true;
        for (int i = 0; i < s.length() && plain; i++) {
            char c = s.charAt(i);
            plain = c >= 0x20 && c < 0x7f && c != '%';
        }
        if (plain) return s;
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') b.append((char) c);
            else b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
        }
        return b.toString();
    }
}
