package io.keycycle.core.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class ReasonsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "POST https://generativelanguage.googleapis.com/v1beta/models/gemini-3.5-flash:generateContent?key=AIzaSyTEST0000000000000000000000000001 failed",
            "Authorization: Bearer gsk_test_0000000000000000000001",
            "sent header x-goog-api-key: AIzaSyTEST0000000000000000000000000001",
            "Incorrect API key provided: sk-or-v1-0000000000000000000000000000000000000000000000000000000000000001.",
            "{\"api_key\":\"csk-test00000000000000000000000001\"}"})
    void secretsAreRedacted(String text) {
        String cleaned = Reasons.clean(text);
        assertThat(cleaned).contains("[redacted]").doesNotContainPattern("0{10,}1");
    }

    @Test
    void providerTextIsKeptOtherwise() {
        assertThat(Reasons.of("rate limited (RPM)", "Limit 30, Used 30, Requested 1. Please try again in 2s."))
                .isEqualTo("rate limited (RPM): Limit 30, Used 30, Requested 1. Please try again in 2s.");
        assertThat(Reasons.of("key rejected (401)", "  ")).isEqualTo("key rejected (401)");
        assertThat(Reasons.of("model unavailable", "models/gemini-1.0-pro is not found for API version v1beta"))
                .endsWith("is not found for API version v1beta");
    }

    @Test
    void whitespaceIsCollapsedAndLengthCapped() {
        String cleaned = Reasons.of("x", "a\n\n  b\t" + "y ".repeat(500));
        assertThat(cleaned).startsWith("x: a b y").hasSize(Reasons.MAX_LENGTH).endsWith("…");
    }
}
