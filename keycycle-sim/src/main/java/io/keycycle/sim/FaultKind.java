package io.keycycle.sim;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A failure the simulator injects instead of (or, for {@link #SLOW}, before) a normal answer. Each
 * renders in the provider's own shape; {@link #QUEUE_EXCEEDED} exists only on Cerebras and
 * {@link #UPSTREAM_429} only on OpenRouter, and asking another provider for them is rejected.
 * Failures that answer instead of the model are not charged to the rate-limit windows; those that
 * come after admission ({@link #SLOW}, a stream's {@link #MID_STREAM_ERROR}, {@link #STREAM_IGNORED}
 * and the hostile answers) are.
 */
public final class FaultKind {

    enum Type {
        OVERLOADED_503, INTERNAL_500, UPSTREAM_429, QUEUE_EXCEEDED, RESET_CONNECTION, SLOW, MID_STREAM_ERROR,
        // hostile upstreams (answered by HostileAnswers)
        STALL_AFTER_HEADERS, ENDLESS_LINE, HUGE_BODY, WRONG_CONTENT_TYPE, STREAM_IGNORED, GARBAGE_STATUS, GARBAGE_HEADERS;

        boolean hostile() { return ordinal() >= STALL_AFTER_HEADERS.ordinal(); }
    }

    /** 503: Groq "is currently over capacity", Gemini UNAVAILABLE "The model is overloaded", … */
    public static final FaultKind OVERLOADED_503 = new FaultKind(Type.OVERLOADED_503, Duration.ZERO);
    /** 500 in the provider's error envelope. */
    public static final FaultKind INTERNAL_500 = new FaultKind(Type.INTERNAL_500, Duration.ZERO);
    /** OpenRouter only: 429 "… is temporarily rate-limited upstream" with {@code provider_name}. */
    public static final FaultKind UPSTREAM_429 = new FaultKind(Type.UPSTREAM_429, Duration.ZERO);
    /** Cerebras only: 429 {@code queue_exceeded} (platform capacity, not the key's quota). */
    public static final FaultKind QUEUE_EXCEEDED = new FaultKind(Type.QUEUE_EXCEEDED, Duration.ZERO);
    /** The connection is closed without any response bytes. */
    public static final FaultKind RESET_CONNECTION = new FaultKind(Type.RESET_CONNECTION, Duration.ZERO);
    /**
     * Streaming: HTTP 200, a few chunks, then an OpenRouter-shaped {@code error} event with
     * {@code finish_reason: "error"} and no {@code [DONE]}. On a non-streaming request: a 500.
     */
    public static final FaultKind MID_STREAM_ERROR = new FaultKind(Type.MID_STREAM_ERROR, Duration.ZERO);

    /**
     * Hostile: HTTP 200 and its headers ({@code text/event-stream} for a stream request), then
     * nothing for {@value HostileAnswers#STALL_SECONDS} s, then the connection closes.
     */
    public static final FaultKind STALL_AFTER_HEADERS = new FaultKind(Type.STALL_AFTER_HEADERS, Duration.ZERO);
    /** Hostile: HTTP 200, then one line that never ends ({@code data: xxxx…}, up to 1 GiB or until the reader gives up). */
    public static final FaultKind ENDLESS_LINE = new FaultKind(Type.ENDLESS_LINE, Duration.ZERO);
    /**
     * Hostile: HTTP 200 with a 100 MB body: well-formed content chunks for a stream request, one
     * JSON object with a 100 MB field otherwise. Bytes written are counted in
     * {@link ProviderControl#hostileBytesWritten()}.
     */
    public static final FaultKind HUGE_BODY = new FaultKind(Type.HUGE_BODY, Duration.ZERO);
    /** Hostile: HTTP 200 with {@code text/html} (a proxy's error page) instead of JSON or an event stream. */
    public static final FaultKind WRONG_CONTENT_TYPE = new FaultKind(Type.WRONG_CONTENT_TYPE, Duration.ZERO);
    /**
     * A stream request answered with a plain JSON completion (with usage), as a provider that
     * ignores {@code stream: true} does; charged and counted like a normal success.
     */
    public static final FaultKind STREAM_IGNORED = new FaultKind(Type.STREAM_IGNORED, Duration.ZERO);
    /** Hostile: the status line is {@code HTTP/1.1 -5}, not a status an HTTP client can parse. */
    public static final FaultKind GARBAGE_STATUS = new FaultKind(Type.GARBAGE_STATUS, Duration.ZERO);
    /**
     * Hostile: status 200, then headers no HTTP client should take: a name made of control
     * characters, a {@code Content-Length} that is not a number beside {@code Transfer-Encoding:
     * chunked}, and one value of {@value HostileAnswers#GARBAGE_HEADER_BYTES} bytes; then a body
     * that would be a normal answer.
     */
    public static final FaultKind GARBAGE_HEADERS = new FaultKind(Type.GARBAGE_HEADERS, Duration.ZERO);

    private final Type type;
    private final Duration delay;

    private FaultKind(Type type, Duration delay) {
        this.type = type;
        this.delay = delay;
    }

    /** The request is answered normally, but only after {@code delay} (for client timeout tests). */
    @SuppressWarnings("MethodName")
    public static FaultKind SLOW(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("SLOW delay must be >= 0, was " + delay);
        }
        return new FaultKind(Type.SLOW, delay);
    }

    /** Parses {@code OVERLOADED_503}, {@code SLOW(2s)} and the other names (configuration files). */
    public static FaultKind parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.startsWith("SLOW(") && t.endsWith(")")) {
            return SLOW(Durations.parse(text.trim().substring(5, text.trim().length() - 1)));
        }
        return switch (t) {
            case "OVERLOADED_503" -> OVERLOADED_503;
            case "INTERNAL_500" -> INTERNAL_500;
            case "UPSTREAM_429" -> UPSTREAM_429;
            case "QUEUE_EXCEEDED" -> QUEUE_EXCEEDED;
            case "RESET_CONNECTION" -> RESET_CONNECTION;
            case "MID_STREAM_ERROR" -> MID_STREAM_ERROR;
            case "STALL_AFTER_HEADERS" -> STALL_AFTER_HEADERS;
            case "ENDLESS_LINE" -> ENDLESS_LINE;
            case "HUGE_BODY" -> HUGE_BODY;
            case "WRONG_CONTENT_TYPE" -> WRONG_CONTENT_TYPE;
            case "STREAM_IGNORED" -> STREAM_IGNORED;
            case "GARBAGE_STATUS" -> GARBAGE_STATUS;
            case "GARBAGE_HEADERS" -> GARBAGE_HEADERS;
            default -> throw new IllegalArgumentException("unknown fault '" + text + "', expected OVERLOADED_503, "
                    + "INTERNAL_500, UPSTREAM_429, QUEUE_EXCEEDED, RESET_CONNECTION, MID_STREAM_ERROR, SLOW(<duration>), "
                    + "STALL_AFTER_HEADERS, ENDLESS_LINE, HUGE_BODY, WRONG_CONTENT_TYPE, STREAM_IGNORED, GARBAGE_STATUS or GARBAGE_HEADERS");
        };
    }

    Type type() {
        return type;
    }

    /** The delay of a {@link #SLOW} fault, zero for the others. */
    public Duration delay() {
        return delay;
    }

    void requireSupportedBy(ProviderKind kind) {
        if (type == Type.QUEUE_EXCEEDED && kind != ProviderKind.CEREBRAS) {
            throw new IllegalArgumentException("QUEUE_EXCEEDED is a Cerebras error, not available on " + kind.id());
        }
        if (type == Type.UPSTREAM_429 && kind != ProviderKind.OPENROUTER) {
            throw new IllegalArgumentException("UPSTREAM_429 is an OpenRouter error, not available on " + kind.id());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FaultKind f && f.type == type && f.delay.equals(delay);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + delay.hashCode();
    }

    @Override
    public String toString() {
        return type == Type.SLOW ? "SLOW(" + Durations.go(delay) + ")" : type.name();
    }
}
