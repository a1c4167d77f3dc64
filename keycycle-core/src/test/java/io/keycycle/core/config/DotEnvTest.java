package io.keycycle.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DotEnvTest {

    @Test
    void aFileSavedWithAByteOrderMarkKeepsItsFirstVariable(@TempDir Path dir) throws Exception {
        // Windows editors (Notepad, PowerShell's Out-File -Encoding utf8) start a UTF-8 file with U+FEFF
        Path file = dir.resolve(".env");
        Files.write(file, ("\uFEFFGROQ_API_KEY_1=gsk_test_0000000000000000000001\r\nNUM_GROQ=1\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        DotEnv env = DotEnv.read(file);
        assertThat(env.values()).containsEntry("GROQ_API_KEY_1", "gsk_test_0000000000000000000001")
                .containsEntry("NUM_GROQ", "1");
        assertThat(env.warnings()).isEmpty();
    }

    @Test
    void commonSyntax() {
        DotEnv env = DotEnv.parse("""
                # Groq keys
                NUM_GROQ=2

                export GROQ_API_KEY_1=gsk_test_0000000000000000000001
                  GROQ_API_KEY_2 = gsk_test_0000000000000000000002   # second org
                SINGLE='it''s # not a comment'
                DOUBLE="line1\\nline2 \\"quoted\\" # kept"
                HASH=abc#def
                EMPTY=
                SPACED_COMMENT= # only a comment
                DOTTED.NAME=ok
                """, ".env");
        assertThat(env.values()).containsEntry("NUM_GROQ", "2")
                .containsEntry("GROQ_API_KEY_1", "gsk_test_0000000000000000000001")
                .containsEntry("GROQ_API_KEY_2", "gsk_test_0000000000000000000002")
                .containsEntry("DOUBLE", "line1\nline2 \"quoted\" # kept")
                .containsEntry("HASH", "abc#def")
                .containsEntry("EMPTY", "")
                .containsEntry("SPACED_COMMENT", "")
                .containsEntry("DOTTED.NAME", "ok");
        // 'it' then text after the closing quote: warned, first quoted part kept
        assertThat(env.values().get("SINGLE")).isEqualTo("it");
        assertThat(env.warnings()).containsExactly(".env line 6: text after the closing quote ignored");
    }

    @Test
    void singleQuotesAreLiteralAndQuotesMaySpanLines() {
        DotEnv env = DotEnv.parse("A='no \\n escape # here'\r\nB=\"first\nsecond\"\r\nC=after\n", ".env");
        assertThat(env.values()).containsEntry("A", "no \\n escape # here")
                .containsEntry("B", "first\nsecond").containsEntry("C", "after");
        assertThat(env.warnings()).isEmpty();
    }

    @Test
    void laterDefinitionWins() {
        assertThat(DotEnv.parse("A=1\nA=2\n", ".env").values()).containsEntry("A", "2");
    }

    @Test
    void badLinesAreWarnedByLineNumberWithoutContent() {
        DotEnv env = DotEnv.parse("""
                gsk_live_secret_value_without_name
                GOOD=1
                1BAD=2
                OPEN="never closed
                LOST=3
                """, ".env");
        assertThat(env.values()).containsOnlyKeys("GOOD");
        assertThat(env.warnings()).containsExactly(
                ".env line 1: expected NAME=value",
                ".env line 3: expected NAME=value",
                ".env line 4: unterminated double quote; the rest of the file is ignored");
        assertThat(String.join("\n", env.warnings())).doesNotContain("gsk_live_secret_value_without_name");
    }

    @Test
    void missingFileIsEmpty(@TempDir Path dir) throws Exception {
        assertThat(DotEnv.read(dir.resolve(".env")).values()).isEmpty();
        Path f = dir.resolve(".env");
        Files.writeString(f, "X=1\n");
        assertThat(DotEnv.read(f).values()).containsEntry("X", "1");
        assertThat(DotEnv.read(f).source()).isEqualTo(f.toString());
    }
}
