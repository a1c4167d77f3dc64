package io.keycycle.core.pool;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A session's home key: a fixed function of its id and the number of keys, spread evenly. */
class SessionHomeKeyTest {

    @Test
    void theHomeKeyIsAFixedFunctionOfTheId() {
        // pinned values: a change here moves every session of every running gateway to another key
        int[] pinned = {Admission.homeKey("a", 1_000_003), Admission.homeKey("chat-42", 1_000_003), Admission.homeKey("é", 1_000_003)};
        assertThat(pinned).containsExactly(PINNED);
        for (int n = 1; n < 20; n++) assertThat(Admission.homeKey("conversation-1", n)).isBetween(0, n - 1);
    }

    static final int[] PINNED = {439_230, 751_347, 311_336};

    @Test
    void idsThatDifferOnlyInTheirLastCharacterSpreadOverTheKeys() {
        int[] count = new int[4];
        for (int i = 0; i < 4_000; i++) count[Admission.homeKey("conversation-" + i, 4)]++;
        for (int c : count) assertThat(c).isBetween(850, 1_150);
    }
}
