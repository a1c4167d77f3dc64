package io.keycycle.core.classify;

import io.keycycle.core.ProviderHttpException;
import io.keycycle.core.ProviderResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Provider text is scrubbed before it is cut, so half a key never survives a cut. */
class ProviderTextTest {

    // an obviously fake, key-shaped value (the scrubber must recognise the shape)
    static final String KEY = "gsk_" + "Zz9".repeat(17);

    @Test
    void aKeyStraddlingTheCutIsRedactedNotHalved() {
        for (int pad = 200; pad < 320; pad += 7) {
            String text = "x ".repeat(pad / 2) + "echo: " + KEY + " tail";
            String shown = ProviderText.abbreviate(text, 301);
            assertThat(shown).doesNotContain(KEY.substring(0, 12)).doesNotContain(KEY.substring(KEY.length() - 12));
            assertThat(Reasons.clean(text)).doesNotContain(KEY.substring(0, 12));
        }
    }

    @Test
    void theExceptionMessageOfAProviderAnswerCarriesNoKey() {
        String body = "{\"error\":{\"message\":\"" + "blah ".repeat(58) + "Authorization: Bearer " + KEY + "\"}}";
        ProviderHttpException e = new ProviderHttpException("groq", new ProviderResponse(400, Map.of("content-type", List.of("application/json")), body));
        assertThat(e.getMessage()).doesNotContain(KEY.substring(0, 10)).doesNotContain("Zz9Zz9Zz9");
    }

    @Test
    void hugeTextIsCutAtAWordBoundaryBeforeScrubbing() {
        String text = "a ".repeat(ProviderText.SCAN_LIMIT / 2 - 3) + KEY + " end";
        assertThat(ProviderText.scrub(text)).doesNotContain("Zz9Zz9");
    }
}
