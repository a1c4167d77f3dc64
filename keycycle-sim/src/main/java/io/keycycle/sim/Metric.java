package io.keycycle.sim;

/** One of the six limited metrics; the window it counts over and whether it counts tokens. */
enum Metric {
    RPM(Span.MINUTE, false), RPH(Span.HOUR, false), RPD(Span.DAY, false),
    TPM(Span.MINUTE, true), TPH(Span.HOUR, true), TPD(Span.DAY, true);

    enum Span { MINUTE, HOUR, DAY }

    final Span span;
    final boolean tokens;

    Metric(Span span, boolean tokens) {
        this.span = span;
        this.tokens = tokens;
    }

    /** Order in which a request is checked: the longest window wins, requests before tokens. */
    static final Metric[] CHECK_ORDER = {RPD, TPD, RPH, TPH, RPM, TPM};
}
