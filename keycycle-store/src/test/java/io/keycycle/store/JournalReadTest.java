package io.keycycle.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The journal is read a buffer (64 KiB) at a time and each line parsed where it lies: lines cut by
 * the buffer's end, a line longer than the buffer, blank lines, a CRLF ending, a line that is not a
 * record and a record torn by a crash all come out as they were written.
 */
class JournalReadTest {

    private static final ObjectMapper JSON = KeycycleStore.journalMapper();

    private static StoredEvent usage(long seq, String model) {
        return new StoredEvent.Usage(seq, StoredEvent.eventId(seq, 0x0bad), "groq", "s", "0a1b2c3d…0001", model,
                1_772_366_400_000L + seq, 1, seq, 1, seq + 1, "SUCCESS", 200);
    }

    @Test
    void everyLineComesOutAsItWasWrittenWhereverTheBufferCutsIt(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream seg = new ByteArrayOutputStream();
        List<StoredEvent> written = new ArrayList<>();
        byte[] garbage = "{\"t\":\"usage\",\"seq\":\"not a number\"}".getBytes(StandardCharsets.UTF_8);
        for (long seq = 1; seq <= 1_500; seq++) {
            // lines of 250 to ~2,300 bytes: many are cut by a buffer's end; one is longer than a buffer
            String model = seq == 700 ? "m".repeat(150_000) : "model-" + "x".repeat((int) (seq * 37 % 2_000));
            StoredEvent e = usage(seq, model);
            written.add(e);
            byte[] line = Journal.line(JSON, e);
            if (seq == 300) { // a CRLF ending
                seg.write(line, 0, line.length - 1);
                seg.write("\r\n".getBytes(StandardCharsets.UTF_8));
            } else {
                seg.write(line);
            }
            if (seq == 10) seg.write("\n   \r\n".getBytes(StandardCharsets.UTF_8)); // blank lines
            if (seq == 1_000) {
                seg.write(garbage);
                seg.write('\n');
            }
        }
        byte[] torn = Journal.line(JSON, usage(1_501, "m"));
        seg.write(torn, 0, torn.length / 2); // torn by a crash: no newline
        byte[] bytes = seg.toByteArray();
        Path file = dir.resolve(String.format("seg-%020d-%08x-%06d.jsonl", 1, 0x0bad, 1));
        Files.write(file, bytes);

        List<StoredEvent> read = new ArrayList<>();
        List<byte[]> corrupt = new ArrayList<>();
        try (Journal journal = new Journal(dir, JSON, 0x0bad)) {
            Journal.Segment s = journal.oldest();
            long end = 0;
            // (opening the journal set the torn record aside; a segment read to its end is deleted)
            for (int round = 0; round < 100 && Files.exists(file); round++) {
                Journal.Chunk chunk = journal.read(s, 97);
                assertThat(chunk.events().size()).isLessThanOrEqualTo(97);
                read.addAll(chunk.events());
                corrupt.addAll(chunk.corruptLines());
                end = chunk.endOffset();
                journal.committed(s, chunk);
            }
            assertThat(end).isEqualTo(bytes.length - torn.length / 2); // up to the last newline, not into the torn record
            assertThat(file).doesNotExist();
        }
        assertThat(read).containsExactlyElementsOf(written);
        assertThat(corrupt).hasSize(1);
        assertThat(corrupt.get(0)).isEqualTo(garbage);
    }
}
