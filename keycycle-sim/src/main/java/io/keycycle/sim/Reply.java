package io.keycycle.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** A complete, non-streaming HTTP answer and how it counts in the stats. */
record Reply(int status, Map<String, String> headers, String body, Outcome outcome) {

    static Reply json(int status, JsonNode body, Outcome outcome) {
        try {
            return new Reply(status, new LinkedHashMap<>(), Dialect.JSON.writeValueAsString(body), outcome);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Reply empty(int status) {
        return new Reply(status, new LinkedHashMap<>(), "", Outcome.ERROR);
    }

    Reply header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    Reply headers(Map<String, String> more) {
        headers.putAll(more);
        return this;
    }
}
