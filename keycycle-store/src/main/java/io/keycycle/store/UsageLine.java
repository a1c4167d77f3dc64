package io.keycycle.store;

/**
 * A usage record's journal line, encoded straight into a reusable byte array: the bytes Jackson
 * writes for the record, and a newline. Usage is the record every request writes ahead, on the
 * gateway's event loops; building the line as a string first cost two copies of it (a key's
 * fingerprint has a '…', which makes the string two bytes per character) and a third to encode it.
 * Only for records whose strings need no escape ({@link #fits}); the others take Jackson's
 * generator. Not thread-safe: one per write-ahead log, used under its monitor, and one per thread's round batch.
 */
final class UsageLine {

    private byte[] buf = new byte[384];
    private int n;

    /** True when every string of {@code u} is written as it is ({@link #plain}): {@link #encode} applies. */
    static boolean fits(StoredEvent.Usage u) {
        return plain(u.eventId()) && plain(u.provider()) && plain(u.scope()) && plain(u.keyFp()) && plain(u.model())
                && plain(u.outcome());
    }

    /**
     * True for a non-null string that JSON writes as it is: no control character, {@code "} or
     * {@code \\}, and no surrogate (a lone one has no UTF-8 form; pairs take the generator's path
     * too, they never occur in the names written here). Everything else, ASCII or not, is its own
     * UTF-8 bytes in a JSON string, as Jackson writes it.
     */
    static boolean plain(String v) {
        if (v == null) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f || Character.isSurrogate(c)) return false;
        }
        return true;
    }

    /** Encodes {@code u} (which {@link #fits}) and returns the line's length: its bytes start {@link #bytes()}. */
    int encode(StoredEvent.Usage u) {
        if (buf.length > 64 * 1024) buf = new byte[384]; // the last line was unusually long: give the memory back
        n = 0;
        ascii("{\"t\":\"usage\",\"seq\":");
        number(u.seq());
        ascii(",\"eventId\":\"");
        text(u.eventId());
        ascii("\",\"provider\":\"");
        text(u.provider());
        ascii("\",\"scope\":\"");
        text(u.scope());
        ascii("\",\"keyFp\":\"");
        text(u.keyFp());
        ascii("\",\"model\":\"");
        text(u.model());
        ascii("\",\"ts\":");
        number(u.ts());
        ascii(",\"requests\":");
        number(u.requests());
        ascii(",\"promptTokens\":");
        number(u.promptTokens());
        ascii(",\"completionTokens\":");
        number(u.completionTokens());
        ascii(",\"chargedTokens\":");
        number(u.chargedTokens());
        ascii(",\"outcome\":\"");
        text(u.outcome());
        ascii("\",\"status\":");
        number(u.status());
        ascii("}\n");
        return n;
    }

    /**
     * Any record's line into this array, returning its length: a usage record that {@link #fits}
     * encoded here without allocating, any other (rare: key states, fallbacks, names that need an
     * escape) by {@link Journal#line} and copied in. The one place a write-ahead line is made.
     */
    int line(StoredEvent e, com.fasterxml.jackson.databind.ObjectMapper json) throws java.io.IOException {
        if (e instanceof StoredEvent.Usage u && fits(u)) return encode(u);
        byte[] line = Journal.line(json, e);
        n = 0;
        room(line.length);
        System.arraycopy(line, 0, buf, 0, line.length);
        n = line.length;
        return n;
    }

    /** The array the last {@link #encode} or {@link #line} wrote its line into (valid until the next call). */
    byte[] bytes() { return buf; }

    private void room(int more) {
        if (n + more > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
    }

    /** A constant of ASCII characters. */
    private void ascii(String s) {
        int len = s.length();
        room(len);
        for (int i = 0; i < len; i++) buf[n++] = (byte) s.charAt(i);
    }

    /** A string that {@link #plain} accepted, as UTF-8 (no surrogates: one to three bytes a character). */
    private void text(String s) {
        int len = s.length();
        room(3 * len);
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf[n++] = (byte) c;
            } else if (c < 0x800) {
                buf[n++] = (byte) (0xc0 | c >> 6);
                buf[n++] = (byte) (0x80 | c & 0x3f);
            } else {
                buf[n++] = (byte) (0xe0 | c >> 12);
                buf[n++] = (byte) (0x80 | c >> 6 & 0x3f);
                buf[n++] = (byte) (0x80 | c & 0x3f);
            }
        }
    }

    private void number(long v) {
        room(20);
        if (v == Long.MIN_VALUE) {
            ascii("-9223372036854775808");
            return;
        }
        if (v < 0) {
            buf[n++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long x = v; x >= 10; x /= 10) digits++;
        for (int i = n + digits - 1; i >= n; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        n += digits;
    }
}
