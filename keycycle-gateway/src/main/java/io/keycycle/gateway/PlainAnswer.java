package io.keycycle.gateway;

import io.keycycle.core.Usage;
import io.keycycle.core.pool.UsageReport;
import io.vertx.core.buffer.Buffer;

/**
 * What one plain upstream call produced, as {@link PlainCall} passes it to the client: an
 * {@link UpstreamAnswer} the engine classifies with the provider's profile, or a {@link Success}
 * that needs no classification.
 */
sealed interface PlainAnswer permits UpstreamAnswer, PlainAnswer.Success {

    int status();

    /** The provider's content type, or null. */
    String contentType();

    /** The body as the provider sent it. */
    Buffer body();

    boolean cancelled();

    /**
     * A 2xx JSON completion without an error and without any rate-limit header: all the engine
     * can learn from it is its usage, so it is settled as a success with that usage directly
     * ({@link UsageReport}), the same outcome the profile would compute, without its work.
     */
    record Success(int status, String contentType, Buffer body, Usage usage) implements PlainAnswer, UsageReport {
        @Override public boolean cancelled() { return false; }

        @Override public String toString() { return "PlainAnswer.Success[HTTP " + status + ", " + body.length() + " bytes, " + usage + "]"; }
    }
}
