package io.keycycle.core.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Optional;

/** The package's one {@link ObjectMapper} and the few parsing steps everything here shares. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** Parses text that may be anything; empty when it is not JSON. Never throws. */
    static Optional<JsonNode> tryParse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(MAPPER.readTree(text));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parses a request body that must be a JSON object; a clear error otherwise. */
    static ObjectNode requestObject(byte[] body) {
        if (body == null) {
            throw new IllegalArgumentException("request body is null");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not valid JSON", e);
        }
        return requestObject(node);
    }

    static ObjectNode requestObject(JsonNode body) {
        if (body == null) {
            throw new IllegalArgumentException("request body is null");
        }
        if (!(body instanceof ObjectNode o)) {
            throw new IllegalArgumentException("request body must be a JSON object, was " + body.getNodeType());
        }
        return o;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body cannot be serialised: " + e.getMessage(), e);
        }
    }
}
