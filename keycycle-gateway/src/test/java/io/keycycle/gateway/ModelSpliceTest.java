package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Splicing the model into the client's bytes gives the same request as rewriting its tree. */
class ModelSpliceTest {

    @Property(tries = 500)
    void aSplicedBodyEqualsTheRewrittenTree(@ForAll("bodies") String body, @ForAll("models") String model) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        ModelSplice s = ModelSplice.of(raw);
        assertThat(s).as(body).isNotNull();
        ObjectNode expected = (ObjectNode) Jsons.parse(raw);
        expected.put("model", model);
        assertThat(Jsons.parse(s.with(model))).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.oneOf(Arbitraries.of("llama-3.1-8b-instant", "meta-llama/llama-3.3-70b-instruct:free", "ünïcødé \"quoted\" \\ model"),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(60).map(t -> Jsons.write(Jsons.MAPPER.getNodeFactory().textNode(t)));
        return net.jqwik.api.Combinators.combine(text, text, Arbitraries.integers().between(0, 3)).as((model, content, where) -> {
            String m = "\"model\" : " + model;
            String msgs = "\"messages\":[{\"role\":\"user\",\"content\":" + content + ",\"model\":\"nested, not replaced\"}]";
            return switch (where) {
                case 0 -> "{" + m + "," + msgs + "}";
                case 1 -> "{" + msgs + ",\n  " + m + "}";
                case 2 -> "{\"max_tokens\":5," + msgs + "," + m + ",\"stream\":false}";
                default -> " {\"response_format\":{\"model\":{\"a\":[1,2]}}," + m + "," + msgs + "} ";
            };
        });
    }

    @Test
    void noSpliceWithoutExactlyOneTopLevelModelString() {
        assertThat(ModelSplice.of("{\"messages\":[]}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ModelSplice.of("{\"model\":\"a\",\"model\":\"b\"}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ModelSplice.of("{\"model\":5}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ModelSplice.of("[1]".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ModelSplice.of("{}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ModelSplice.of(new byte[0])).isNull();
    }

    /** A key written with an escape may name {@code model} to the provider's parser: no splice, the tree is sent. */
    @Test
    void anEscapedKeyTurnsTheSpliceOff() {
        assertThat(ModelSplice.of("{\"model\":\"a\",\"mod\\u0065l\":\"b\"}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ModelSplice.of("{\"x\\\"y\":1,\"model\":\"a\"}".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    /** Brackets and quotes inside strings, scalars of every kind, any JSON white space, content after the object. */
    @Test
    void skipsEveryKindOfValueToFindTheModel() {
        String object = "\t{ \"a\" :\r\n\"}{][\\\\\\\"\" , \"b\":[{\"model\":\"no\"},\"]\",[]], \"c\":-1.5e3,\"d\":true,"
                + "\"e\":null,\"f\":{},\"model\"\n:\n\"old\"\n}";
        // what follows the object (the gateway refuses such a body before it splices: the scan must still stop at the object's end)
        String trailing = "\n  {\"model\":\"trailing\"}";
        String body = object + trailing;
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        ModelSplice s = ModelSplice.of(raw);
        assertThat(s).isNotNull();
        String out = new String(s.with("new"), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo(body.replace("\"old\"", "\"new\""));
        ObjectNode expected = (ObjectNode) Jsons.parse(object.getBytes(StandardCharsets.UTF_8));
        expected.put("model", "new");
        assertThat(Jsons.parse(out.substring(0, out.length() - trailing.length()).getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
    }

    /** Cut short anywhere, a body never yields a splice that reaches past its end. */
    @Property(tries = 300)
    void aTruncatedBodyNeverSplicesOutOfBounds(@ForAll("bodies") String body, @ForAll("cuts") int cut) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        byte[] part = java.util.Arrays.copyOf(raw, Math.min(raw.length, cut));
        ModelSplice s = ModelSplice.of(part);
        if (s != null) assertThat(new String(s.with("m"), StandardCharsets.UTF_8)).contains("\"m\"");
    }

    @Provide
    Arbitrary<Integer> cuts() { return Arbitraries.integers().between(0, 200); }
}
