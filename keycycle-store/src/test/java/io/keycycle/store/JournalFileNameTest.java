package io.keycycle.store;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

import static org.assertj.core.api.Assertions.assertThat;

/** The journal's file names, built without {@code String.format}, read back by the journal's own pattern. */
class JournalFileNameTest {

    @Property
    void theNameIsTheFormattedOneAndItsSegmentFormMatches(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long firstSeq,
                                                          @ForAll int nonce,
                                                          @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long n) {
        String wal = JournalFiles.name(WriteAheadLog.PREFIX, firstSeq, nonce, n);
        assertThat(wal).isEqualTo(String.format("%s%020d-%08x-%06d.jsonl", WriteAheadLog.PREFIX, firstSeq, nonce, n));
        String segment = JournalFiles.name(Journal.SEGMENT_PREFIX, firstSeq, nonce, n);
        assertThat(JournalFiles.SEGMENT_NAME.matcher(segment).matches()).as(segment).isTrue();
        assertThat(Long.parseLong(segment.substring(4, 24))).isEqualTo(firstSeq);
    }
}
