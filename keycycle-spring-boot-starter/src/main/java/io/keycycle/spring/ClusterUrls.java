package io.keycycle.spring;

import java.util.regex.Pattern;

/** Hides the user and password of Redis URLs in a text ({@code redis://:secret@host} → {@code redis://***@host}). */
final class ClusterUrls {

    private static final Pattern CREDENTIALS = Pattern.compile("(rediss?://)[^@/\\s]*@", Pattern.CASE_INSENSITIVE);

    private ClusterUrls() {
    }

    static String redact(String text) {
        return text == null ? null : CREDENTIALS.matcher(text).replaceAll("$1***@");
    }
}
