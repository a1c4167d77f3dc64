package io.keycycle.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Instant;

/** The gateway's one JSON mapper and the few helpers every endpoint uses. */
final class Jsons {

    /**
     * Refuses anything after the first value ({@code {...} {...}}, {@code {...} junk}): the request's
     * bytes go upstream as they came (the model spliced in), so what was not checked must not pass.
     *
     * <p>Reads every non-integer number as the decimal it is written as, trailing zeros kept: a body
     * written again from its tree (a stream's, one whose {@code model} cannot be spliced) carries the
     * client's numbers unchanged. Read as doubles, {@code 1e400} became {@code "Infinity"} (a string
     * the provider refused) and {@code 0.1000000000000000000001} lost its digits.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).build();

    private Jsons() { }

    static ObjectNode object() { return MAPPER.createObjectNode(); }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Parses a request body.
     *
     * @throws BadJson naming what is wrong and where (line, column)
     */
    static JsonNode parse(byte[] body) {
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || n.isMissingNode()) throw new BadJson("the request body is empty; send a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new BadJson("the request body is not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadJson("the request body could not be read: " + e.getMessage());
        }
    }

    /** Parses without throwing; null when the text is not JSON. */
    static JsonNode tryParse(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    static void putInstant(ObjectNode o, String field, Instant at) {
        if (at == null) o.putNull(field);
        else o.put(field, at.toString());
    }

    /** A request body that is not JSON. */
    static final class BadJson extends RuntimeException {
        BadJson(String message) { super(message, null, false, false); }
    }
}
