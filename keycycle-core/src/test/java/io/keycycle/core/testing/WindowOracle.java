package io.keycycle.core.testing;

import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exact oracle of the window properties (in-process store and Redis store alike): the admitted
 * requests of one bucket as events, and the checks that no exact window ever held more than its
 * limit and that a refusal was not more conservative than one sub-bucket of history.
 */
public final class WindowOracle {

    private WindowOracle() { }

    /**
     * One admitted request as the oracle sees it; values only ever decrease after admission. While
     * it is {@code pending} (in flight) it counts in every window, however old; once it lands it
     * counts at {@code at}.
     */
    public static final class Ev {
        public long at;
        public long requests = 1;
        public long tokens;
        public boolean pending;
        /** The lease expired unreported (its tokens given back). */
        public boolean expired;

        public Ev(long at, long tokens) {
            this.at = at;
            this.tokens = tokens;
        }

        public static Ev inFlight(long at, long tokens) {
            Ev e = new Ev(at, tokens);
            e.pending = true;
            return e;
        }

        public boolean in(long from, long now) { return pending || at > from && at <= now; }

        public void land(long at) {
            this.at = at;
            pending = false;
        }
    }

    private static long windowStart(Limits.Span span, DailyReset reset, long now, long slack) {
        return span == Limits.Span.DAY && reset.isCalendar() ? reset.dayStartMillis(now) - 1 : now - span.millis() - slack;
    }

    /** Every window ending at {@code now} holds at most its limit. */
    public static void assertWithinLimits(List<Ev> evs, long now, Limits limits, DailyReset reset, String bucket) {
        for (Limits.Span span : Limits.Span.values()) {
            long from = windowStart(span, reset, now, 0);
            long req = 0, tok = 0;
            for (Ev e : evs) if (e.in(from, now)) { req += e.requests; tok += e.tokens; }
            long lr = limits.requests(span), lt = limits.tokens(span);
            if (lr != Limits.NONE) assertThat(req).as("%s requests in %s window", bucket, span).isLessThanOrEqualTo(lr);
            if (lt != Limits.NONE) assertThat(tok).as("%s tokens in %s window", bucket, span).isLessThanOrEqualTo(lt);
        }
    }

    /**
     * A refusal of a request of {@code tokens} at {@code now}: the exact oracle, counting one extra
     * sub-bucket ({@code span ÷ slots}) of history, must have had no room either.
     */
    public static void assertNoRoom(List<Ev> evs, long now, long tokens, Limits limits, DailyReset reset, int slots, String bucket) {
        boolean room = true;
        for (Limits.Span span : Limits.Span.values()) {
            long from = windowStart(span, reset, now, span.millis() / slots);
            long req = 1, tok = tokens;
            for (Ev e : evs) if (e.in(from, now)) { req += e.requests; tok += e.tokens; }
            long lr = limits.requests(span), lt = limits.tokens(span);
            if (lr != Limits.NONE && req > lr || lt != Limits.NONE && tok > lt) room = false;
        }
        assertThat(room).as("refused although bucket %s had room at %s", bucket, Instant.ofEpochMilli(now)).isFalse();
    }

    /** Checks every window ending at every admission (all landed), in O(n) per span with two pointers. */
    public static void assertAllWindows(List<Ev> evs, Limits limits, DailyReset reset, String bucket) {
        List<Ev> sorted = new ArrayList<>(evs);
        sorted.sort(Comparator.comparingLong(e -> e.at));
        for (Limits.Span span : Limits.Span.values()) {
            long lr = limits.requests(span), lt = limits.tokens(span);
            if (lr == Limits.NONE && lt == Limits.NONE) continue;
            boolean calendar = span == Limits.Span.DAY && reset.isCalendar();
            int lo = 0;
            long req = 0, tok = 0;
            for (int hi = 0; hi < sorted.size(); hi++) {
                Ev e = sorted.get(hi);
                req += e.requests;
                tok += e.tokens;
                // include every later event at the same instant before checking
                if (hi + 1 < sorted.size() && sorted.get(hi + 1).at == e.at) continue;
                long from = calendar ? reset.dayStartMillis(e.at) - 1 : e.at - span.millis();
                while (sorted.get(lo).at <= from) {
                    req -= sorted.get(lo).requests;
                    tok -= sorted.get(lo).tokens;
                    lo++;
                }
                if (lr != Limits.NONE) assertThat(req).as("%s requests in %s window ending %s", bucket, span, Instant.ofEpochMilli(e.at)).isLessThanOrEqualTo(lr);
                if (lt != Limits.NONE) assertThat(tok).as("%s tokens in %s window ending %s", bucket, span, Instant.ofEpochMilli(e.at)).isLessThanOrEqualTo(lt);
            }
        }
    }
}
