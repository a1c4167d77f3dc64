package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write-ahead line of a usage record is written field by field ({@link Journal#usageLine});
 * it must stay byte for byte what Jackson's record serialiser writes, and read back as the same
 * record, for any values (nulls, quotes, control and non-ASCII characters, extreme numbers).
 */
class JournalLineTest {

    private static final ObjectMapper JSON = KeycycleStore.journalMapper();

    @Property(tries = 500)
    void theUsageLineIsWhatJacksonWritesAndReadsBack(@ForAll("usages") StoredEvent.Usage u) throws Exception {
        byte[] fast = Journal.line(JSON, u);
        String expected = new String(JSON.writeValueAsBytes((StoredEvent) u), StandardCharsets.UTF_8) + "\n";
        assertThat(new String(fast, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(JSON.readValue(fast, StoredEvent.class)).isEqualTo(u);
        if (UsageLine.fits(u)) { // the write-ahead log's encoder, reused from one line to the next
            int length = REUSED.encode(u);
            assertThat(new String(REUSED.bytes(), 0, length, StandardCharsets.UTF_8)).isEqualTo(expected);
        }
    }

    private static final UsageLine REUSED = new UsageLine();

    /** Event ids keep their text (the database dedupes on them across restarts): 16 hex digits of the sequence, '-', 8 of the nonce. */
    @Property(tries = 300)
    void eventIdsAreTheHexOfSequenceAndNonce(@ForAll long seq, @ForAll int nonce) {
        assertThat(StoredEvent.eventId(seq, nonce))
                .isEqualTo(java.util.HexFormat.of().toHexDigits(seq) + "-" + java.util.HexFormat.of().toHexDigits(nonce));
    }

    /** No quote, backslash, control character or surrogate anywhere: the line is written without a generator. */
    @Property(tries = 300)
    void aPlainUsageLineIsWhatJacksonWritesAndReadsBack(@ForAll("plainUsages") StoredEvent.Usage u) throws Exception {
        theUsageLineIsWhatJacksonWritesAndReadsBack(u);
    }

    /**
     * Real records take the path without a generator: a key's fingerprint ({@code 3f9a1c07…wxyz})
     * and its default scope are not ASCII, and they are in every usage line.
     */
    @Test
    void realNamesNeedNoGenerator() {
        String fp = io.keycycle.core.ApiKey.fingerprint("fake-key-for-tests-0001");
        assertThat(fp).contains("…");
        assertThat(UsageLine.plain(fp)).isTrue();
        assertThat(UsageLine.plain(io.keycycle.core.ApiKey.of("groq", 0, "fake-key-for-tests-0001").scope())).isTrue();
        assertThat(UsageLine.plain("meta-llama/llama-3.3-70b-instruct:free")).isTrue();
        assertThat(UsageLine.plain("a\"b")).isFalse();
        assertThat(UsageLine.plain("a\\b")).isFalse();
        assertThat(UsageLine.plain("a\nb")).isFalse();
        assertThat(UsageLine.plain("\ud83d")).isFalse();
        assertThat(UsageLine.plain(null)).isFalse();
    }

    @Provide
    Arbitrary<StoredEvent.Usage> plainUsages() {
        Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '!').withCharRange('#', '[')
                .withCharRange(']', '~').withCharRange('\u00a0', '\u07ff').withCharRange('\u2000', '\u20ff').withCharRange('\ue000', '\ufffd')
                .ofMaxLength(40), Arbitraries.of("groq", "sk-fp:0a1b2c3d", "3f9a1c07…wxyz", "key-3f9a1c07…wxyz", "llama-3.3-70b-versatile", ""),
                Arbitraries.strings().withCharRange('a', 'z').withChars('…').ofMinLength(200).ofMaxLength(3000)); // lines past the encoder's first array
        Arbitrary<Long> num = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, 1000));
        return Combinators.combine(num, text, text, text, text, text, num, num).as((seq, id, provider, scope, fp, model, ts, tokens) ->
                new StoredEvent.Usage(seq, id, provider, scope, fp, model, ts, tokens % 7, tokens, -tokens, Long.MAX_VALUE - tokens,
                        "SUCCESS", (int) (seq % 600)));
    }

    @Provide
    Arbitrary<StoredEvent.Usage> usages() {
        Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withChars("\"\\\n\t\u0000\u001f/é→😀 ").ofMaxLength(12),
                Arbitraries.just(null));
        Arbitrary<Long> num = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, 1000));
        return Combinators.combine(num, text, text, text, text, text, num, num).as((seq, id, provider, scope, fp, model, ts, tokens) ->
                new StoredEvent.Usage(seq, id, provider, scope, fp, model, ts, tokens % 7, tokens, -tokens, Long.MAX_VALUE - tokens,
                        model == null ? null : "SUCCESS", (int) (seq % 600)));
    }
}
