package io.keycycle.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A body the gateway writes again from its tree (every stream's, and a plain one whose model cannot
 * be spliced) carries the client's numbers as they were written. Until 2026-12-04 they were read as
 * doubles: {@code 1e400} went upstream as the string {@code "Infinity"}, and digits past a double's
 * precision were lost.
 */
class UpstreamBodyTest {

    static final String[] NUMBERS = {"1e400", "-1e999", "0.1000000000000000000001", "1.50", "2.0", "1E-7", "123456789012345678901234567890.5"};

    @Test
    void numbersReachTheProviderAsTheClientWroteThemWhenTheBodyIsWrittenFromItsTree() {
        StringBuilder b = new StringBuilder("{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logit_bias\":{");
        for (int i = 0; i < NUMBERS.length; i++) b.append(i == 0 ? "" : ",").append('"').append(i).append("\":").append(NUMBERS[i]);
        b.append("},\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"number\",\"maximum\":1e400}}}]}");
        ObjectNode body = (ObjectNode) Jsons.parse(b.toString().getBytes(StandardCharsets.UTF_8));

        Buffer sent = new UpstreamBody(body, null).forModel("llama-3.1-8b-instant");
        String wire = sent.toString(StandardCharsets.UTF_8);
        assertThat(wire).doesNotContain("Infinity").contains("\"model\":\"llama-3.1-8b-instant\"");

        JsonNode back = Jsons.parse(sent.getBytes());
        for (int i = 0; i < NUMBERS.length; i++) {
            JsonNode n = back.path("logit_bias").path(Integer.toString(i));
            assertThat(n.isNumber()).as(NUMBERS[i] + " is still a number: " + wire).isTrue();
            assertThat(n.decimalValue()).as(NUMBERS[i]).isEqualTo(new BigDecimal(NUMBERS[i]));
        }
        assertThat(back.path("tools").get(0).path("function").path("parameters").path("maximum").decimalValue())
                .isEqualByComparingTo("1e400");
        assertThat(wire).as("trailing zeros kept").contains(":1.50,").contains(":2.0,");
    }
}
