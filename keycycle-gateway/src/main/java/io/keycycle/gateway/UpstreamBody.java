package io.keycycle.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.CompletionException;

/**
 * The request body an attempt sends, with the candidate's {@code model}, made once per model so that
 * rotations to another key of the same model reuse the bytes: spliced into the client's bytes when
 * a {@link ModelSplice} is given, else serialised from the tree.
 */
final class UpstreamBody {

    private final ObjectNode body;
    private final ModelSplice splice;
    private String model;
    private Buffer bytes;

    UpstreamBody(ObjectNode body, ModelSplice splice) {
        this.body = body;
        this.splice = splice;
    }

    synchronized Buffer forModel(String model) {
        if (!model.equals(this.model)) {
            if (splice != null) {
                bytes = Buffer.buffer(splice.with(model));
            } else {
                body.put("model", model);
                try {
                    bytes = Buffer.buffer(Jsons.MAPPER.writeValueAsBytes(body));
                } catch (JsonProcessingException e) {
                    throw new CompletionException(e);
                }
            }
            this.model = model;
        }
        return bytes;
    }
}
