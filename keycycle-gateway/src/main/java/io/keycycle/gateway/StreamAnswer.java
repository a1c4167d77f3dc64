package io.keycycle.gateway;

import io.keycycle.core.ProviderResponse;
import io.keycycle.core.client.StreamResult;
import io.keycycle.core.pool.ProviderAnswer;

/**
 * How one streaming attempt ended, as the engine settles it: the {@link StreamResult} (usage,
 * error event, events relayed), or a cancellation — after the request was sent (the lease is
 * abandoned: the provider counts it), before it (released), or for want of a free connection
 * ({@link #BUSY}, released, answered 503).
 *
 * @param result    null when cancelled before any answer
 * @param wholeBody the body when the provider answered with one instead of events, else null
 */
record StreamAnswer(StreamResult result, String wholeBody, boolean cancelled, boolean reachedProvider) implements ProviderAnswer {

    private static final ProviderResponse GONE = new ProviderResponse(499, null, "");
    static final StreamAnswer BUSY = new StreamAnswer(null, null, true, false);

    static StreamAnswer cancelled(StreamResult partial, boolean sent) { return new StreamAnswer(partial, null, true, sent); }

    @Override public ProviderResponse response() { return result == null ? GONE : result.response(); }

    /** Nothing reached the client yet: another key may be tried. */
    @Override public boolean retryable() { return result == null || result.retryable(); }

    boolean busy() { return this == BUSY; }


    @Override public String toString() {
        return busy() ? "StreamAnswer[busy]" : cancelled ? "StreamAnswer[cancelled" + (reachedProvider ? "" : ", not sent") + "]"
                : "StreamAnswer[" + result + "]";
    }
}
