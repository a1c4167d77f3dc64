package io.keycycle.gateway;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The request the client sent, with only its top-level {@code model} value replaced, spliced into
 * the original bytes: the rest of the body (the prompt, often most of it) is copied once as bytes
 * instead of being serialised again from a tree. {@link #of} finds where the value sits; a body
 * with no or several top-level {@code model} fields has no splice (the caller serialises its tree).
 */
final class ModelSplice {

    private final byte[] body;
    private final int start;
    private final int end;

    private ModelSplice(byte[] body, int start, int end) {
        this.body = body;
        this.start = start;
        this.end = end;
    }

    /**
     * Where the one top-level {@code model} string of {@code body} is, or null. Reads the bytes
     * once without a parser: the caller has already parsed the body into its tree, so this only
     * finds the value's offsets and skips over everything else (strings, nested objects and arrays)
     * by their brackets and quotes. Anything it does not expect gives null, and the caller
     * serialises its tree instead: a body that is not UTF-8 with an object at the top, a key
     * written with a backslash escape (to a JSON parser it may spell {@code model}), a
     * {@code model} that is not a string or occurs twice.
     */
    static ModelSplice of(byte[] body) {
        int n = body.length;
        int i = skipSpace(body, 0);
        if (i >= n || body[i] != '{') return null;
        i = skipSpace(body, i + 1);
        if (i < n && body[i] == '}') return null;
        int start = -1, end = -1;
        while (true) {
            if (i >= n || body[i] != '"') return null;
            int keyEnd = stringEnd(body, i);
            if (keyEnd < 0) return null;
            for (int k = i + 1; k < keyEnd - 1; k++) {
                if (body[k] == '\\') return null; // an escaped key: let the tree decide what it names
            }
            boolean model = keyEnd - i == 7 && body[i + 1] == 'm' && body[i + 2] == 'o' && body[i + 3] == 'd'
                    && body[i + 4] == 'e' && body[i + 5] == 'l';
            i = skipSpace(body, keyEnd);
            if (i >= n || body[i] != ':') return null;
            i = skipSpace(body, i + 1);
            if (i >= n) return null;
            if (model) {
                if (body[i] != '"' || start >= 0) return null;
                start = i;
                end = stringEnd(body, i);
                if (end < 0) return null;
                i = end;
            } else {
                i = valueEnd(body, i);
                if (i < 0) return null;
            }
            i = skipSpace(body, i);
            if (i >= n) return null;
            if (body[i] == '}') break;
            if (body[i] != ',') return null;
            i = skipSpace(body, i + 1);
        }
        return start < 0 ? null : new ModelSplice(body, start, end);
    }

    private static int skipSpace(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
        return i;
    }

    /** The index just past the string whose opening quote is at {@code i}, or -1 when it does not end. */
    private static int stringEnd(byte[] b, int i) {
        for (int j = i + 1; j < b.length; j++) {
            if (b[j] == '\\') j++;
            else if (b[j] == '"') return j + 1;
        }
        return -1;
    }

    /** The index just past the value that starts at {@code i} (string, object, array or scalar), or -1. */
    private static int valueEnd(byte[] b, int i) {
        byte c = b[i];
        if (c == '"') return stringEnd(b, i);
        if (c == '{' || c == '[') {
            int depth = 0;
            for (int j = i; j < b.length; j++) {
                byte x = b[j];
                if (x == '"') {
                    j = stringEnd(b, j);
                    if (j < 0) return -1;
                    j--; // the loop's increment steps past the closing quote
                } else if (x == '{' || x == '[') {
                    depth++;
                } else if ((x == '}' || x == ']') && --depth == 0) {
                    return j + 1;
                }
            }
            return -1;
        }
        int j = i;
        while (j < b.length && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t') j++;
        return j == i ? -1 : j;
    }

    /** The body with {@code model} as the value of its {@code model} field. */
    byte[] with(String model) {
        byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(model);
        byte[] out = new byte[start + quoted.length + 2 + (body.length - end)];
        System.arraycopy(body, 0, out, 0, start);
        out[start] = '"';
        System.arraycopy(quoted, 0, out, start + 1, quoted.length);
        out[start + 1 + quoted.length] = '"';
        System.arraycopy(body, end, out, start + quoted.length + 2, body.length - end);
        return out;
    }
}
