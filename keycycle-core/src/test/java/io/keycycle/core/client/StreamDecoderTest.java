package io.keycycle.core.client;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decoder splits lines on bytes and hands {@code data:} values to the parser without making
 * the line's string: whatever the chunking, it must deliver exactly the events the parser alone
 * finds in the decoded text.
 */
class StreamDecoderTest {

    @Property(tries = 400)
    void deliversWhatTheParserFindsInTheWholeText(@ForAll("streams") String text, @ForAll @IntRange(min = 1, max = 40) int chunk) {
        List<SseEvent> expected = new ArrayList<>();
        SseParser parser = new SseParser(expected::add);
        parser.feed(text);
        parser.finish();

        List<SseEvent> got = new ArrayList<>();
        StreamDecoder decoder = new StreamDecoder("test", 1 << 16, e -> got.add(e) || true);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) decoder.feed(bytes, i, Math.min(chunk, bytes.length - i));
        decoder.finish();

        assertThat(got).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> streams() {
        // whole characters (a string of chars could split the emoji's surrogate pair, which no UTF-8 byte stream carries)
        Arbitrary<String> value = Arbitraries.of("a", "b", " ", "{", "}", "\"", ":", ",", "é", "→", "😀").list().ofMaxSize(12)
                .map(cs -> String.join("", cs));
        Arbitrary<String> line = Arbitraries.oneOf(
                value.map(v -> "data: " + v), value.map(v -> "data:" + v), value.map(v -> "data:  " + v), Arbitraries.just("data"),
                value.map(v -> "event: " + v), value.map(v -> "id:" + v), value.map(v -> ": " + v), value.map(v -> "dat: " + v),
                value.map(v -> "datax: " + v), value.map(v -> "retry: " + v), Arbitraries.just(""));
        Arbitrary<String> end = Arbitraries.of("\n", "\r\n", "\r");
        return net.jqwik.api.Combinators.combine(line, end).as((l, e) -> l + e).list().ofMaxSize(30).map(ls -> String.join("", ls));
    }

    @Test
    void anEventOfOneDataLineKeepsItsValueAndSeveralAreJoined() {
        List<SseEvent> got = new ArrayList<>();
        StreamDecoder decoder = new StreamDecoder("test", 1024, e -> got.add(e) || true);
        byte[] bytes = "data: {\"a\":1}\n\ndata:x\ndata: y\r\ndata\n\ndata: [DONE]\n\ndata: after\n\n".getBytes(StandardCharsets.UTF_8);
        assertThat(decoder.feed(bytes, 0, bytes.length)).isFalse();
        assertThat(got).extracting(SseEvent::data).containsExactly("{\"a\":1}", "x\ny\n", "[DONE]");
        assertThat(decoder.events()).isEqualTo(2);
    }
}
