package io.keycycle.core.classify;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RetryDelaysTest {

    static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"2m59.56s, 179560", "7.66s, 7660", "1h2m3s, 3723000", "500ms, 500", "0s, 0", "0, 0",
            "1.5h, 5400000", "9m38.016s, 578016", "1h0m0.001s, 3600001", "1m0s, 60000", ".5s, 500", "2s500ms, 2500"})
    void goDurations(String text, long millis) {
        assertThat(RetryDelays.goDuration(text)).contains(Duration.ofMillis(millis));
    }

    @Test
    void goDurationKeepsSubMillisecondPrecision() {
        assertThat(RetryDelays.goDuration("1.5µs")).contains(Duration.ofNanos(1_500));
        assertThat(RetryDelays.goDuration("3ns")).contains(Duration.ofNanos(3));
        assertThat(RetryDelays.goDuration("250us")).contains(Duration.ofNanos(250_000));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"-1s", "1", "s", "1x", "1 s", "1h 2m", "abc", "1.2.3s", "NaN", "∞s", "12345678901234567890123456789012345678901234567890123456789012345h"})
    void badGoDurationsAreEmpty(String text) {
        assertThat(RetryDelays.goDuration(text)).isEmpty();
    }

    @Test
    void hugeValuesAreClampedNotOverflowed() {
        assertThat(RetryDelays.goDuration("99999999999999999999h")).contains(RetryDelays.MAX_WAIT);
        assertThat(RetryDelays.retryAfter("99999999999999999999", NOW)).contains(RetryDelays.MAX_WAIT);
        assertThat(RetryDelays.seconds("1e9")).isEmpty();
    }

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"38s, 38000", "0.5s, 500", "1.5s, 1500", "38.90923309s, 38909", "0s, 0"})
    void protobufDurations(String text, long millis) {
        assertThat(RetryDelays.protobufDuration(text).map(Duration::toMillis)).contains(millis);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"38", "-1s", "1m", "s", "38 s"})
    void badProtobufDurationsAreEmpty(String text) {
        assertThat(RetryDelays.protobufDuration(text)).isEmpty();
    }

    @Test
    void retryAfterSecondsAndHttpDate() {
        assertThat(RetryDelays.retryAfter("2", NOW)).contains(Duration.ofSeconds(2));
        assertThat(RetryDelays.retryAfter(" 64 ", NOW)).contains(Duration.ofSeconds(64));
        assertThat(RetryDelays.retryAfter("1.5", NOW)).contains(Duration.ofMillis(1500));
        assertThat(RetryDelays.retryAfter("Wed, 21 Oct 2026 07:30:00 GMT", NOW)).contains(Duration.ofMinutes(2));
        assertThat(RetryDelays.retryAfter("Wed, 21 Oct 2026 07:00:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(RetryDelays.retryAfter("-3", NOW)).isEmpty();
        assertThat(RetryDelays.retryAfter("soon", NOW)).isEmpty();
        assertThat(RetryDelays.retryAfter(null, NOW)).isEmpty();
    }

    @Test
    void floatSeconds() {
        assertThat(RetryDelays.seconds("33011.382867097855")).contains(Duration.ofNanos(33_011_382_867_097L));
        assertThat(RetryDelays.seconds("11")).contains(Duration.ofSeconds(11));
        assertThat(RetryDelays.seconds("-1")).isEmpty();
    }

    @Test
    void epochMillisAndTheSecondsGuard() {
        assertThat(RetryDelays.epochMillis("1790726400000")).contains(Instant.parse("2026-09-30T00:00:00Z"));
        assertThat(RetryDelays.epochMillis("1790726400")).contains(Instant.parse("2026-09-30T00:00:00Z"));
        assertThat(RetryDelays.epochMillis("0")).isEmpty();
        assertThat(RetryDelays.epochMillis("tomorrow")).isEmpty();
        assertThat(RetryDelays.epochMillis("99999999999999999999")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "Please try again in 9m38.016s. Need more tokens?|578016",
            "Please retry in 38.90923309s.|38909",
            "Limit 30, Used 30, Requested 1. Please try again in 2s.|2000",
            "Please try again in 500ms|500",
            "retry after 20 seconds|20000",
            "Try again in 1.5 minutes|90000",
            "please retry in 2 hours|7200000",
            "try again in 1h2m3s, thanks|3723000"})
    void waitsInText(String text, long millis) {
        assertThat(RetryDelays.fromMessage(text).map(Duration::toMillis)).contains(millis);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Requested 14290 tokens", "try again later", "Please try again soon.", "retry in 5 minutesish", "429"})
    void textWithoutAWaitIsEmpty(String text) {
        assertThat(RetryDelays.fromMessage(text)).isEmpty();
    }
}
