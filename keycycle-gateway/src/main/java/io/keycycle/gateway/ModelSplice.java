package io.keycycle.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.IOException;

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

    /** Where the one top-level {@code model} string of {@code body} is, or null. */
    static ModelSplice of(byte[] body) {
        try (JsonParser p = Jsons.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            int start = -1, end = -1;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                boolean model = p.currentName().equals("model");
                JsonToken v = p.nextToken();
                if (!model) {
                    p.skipChildren();
                    continue;
                }
                if (v != JsonToken.VALUE_STRING || start >= 0) return null;
                start = (int) p.currentTokenLocation().getByteOffset();
                p.getText(); // consumes the string, so the location is past its closing quote
                end = (int) p.currentLocation().getByteOffset();
            }
            if (start < 0 || end <= start || end > body.length || body[start] != '"' || body[end - 1] != '"') return null;
            return new ModelSplice(body, start, end);
        } catch (IOException | RuntimeException e) {
            return null;
        }
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
