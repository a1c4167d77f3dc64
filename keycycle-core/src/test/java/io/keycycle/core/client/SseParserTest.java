package io.keycycle.core.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {

    private final List<SseEvent> events = new ArrayList<>();
    private final SseParser parser = new SseParser(events::add);

    @Test
    void dispatchesAnEventAtTheBlankLineAndStripsOneSpace() {
        parser.feed("data: {\"a\":1}\n");
        assertThat(events).isEmpty();
        parser.feed("\n");
        assertThat(events).containsExactly(SseEvent.data("{\"a\":1}"));
    }

    @Test
    void joinsMultiLineDataWithNewlines() {
        parser.feed("data: first\ndata:second\ndata:  third\n\n");
        assertThat(events).extracting(SseEvent::data).containsExactly("first\nsecond\n third");
    }

    @Test
    void handlesCrLfAndCrAlsoWhenSplitAcrossChunks() {
        parser.feed("data: one\r");
        parser.feed("\n\r");
        parser.feed("\ndata: two\r\rdata: three\r\n\r\n");
        assertThat(events).extracting(SseEvent::data).containsExactly("one", "two", "three");
    }

    @Test
    void skipsCommentsAndRecordsEventNameAndIdWithoutActingOnThem() {
        parser.feed(": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\nevent: message\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\ndata: y\n\n");
        assertThat(events).containsExactly(new SseEvent("message", "x", "7"), new SseEvent(null, "y", "7"));
        assertThat(parser.comments()).isEqualTo(2);
    }

    @Test
    void blankLinesWithoutDataDispatchNothingButAnEmptyDataFieldDoes() {
        parser.feed("\n\nevent: ping\n\ndata\n\n");
        assertThat(events).containsExactly(SseEvent.data(""));
    }

    @Test
    void finishDispatchesAnEventWhoseClosingBlankLineNeverCame() {
        parser.feed("data: {\"usageMetadata\":{}}\ndata: tail");
        parser.finish();
        assertThat(events).extracting(SseEvent::data).containsExactly("{\"usageMetadata\":{}}\ntail");
    }

    @Test
    void wholeLinesFeedTheSameWay() {
        for (String line : List.of(": keep-alive", "data: a", "", "data: [DONE]", "")) {
            parser.line(line);
        }
        assertThat(events).extracting(SseEvent::data).containsExactly("a", "[DONE]");
        assertThat(events.get(1).isDone()).isTrue();
        assertThat(events.get(0).isDone()).isFalse();
    }

    @Test
    void toWireRoundTripsThroughTheParser() {
        SseEvent original = new SseEvent("delta", "line 1\nline 2", null);
        parser.feed(original.toWire());
        assertThat(events).containsExactly(original);
        assertThat(SseEvent.data("{}").toWire()).isEqualTo("data: {}\n\n");
    }
}
