package io.keycycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.ConfigurationException;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.client.OpenAiCompatClient;
import io.keycycle.core.client.SseEvent;
import io.keycycle.core.client.StreamHandle;
import io.keycycle.core.client.StreamListener;
import io.keycycle.core.client.StreamResult;
import io.keycycle.core.client.TokenEstimator;
import io.keycycle.core.pool.PartialAnswerException;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The chat helpers of the facade: an OpenAI-style request through the facade's call with the
 * provider's {@link io.keycycle.core.client.OpenAiCompatClient}, plain or streaming. What they add
 * to a plain call: the reservation (prompt estimate plus the request's maximum), the candidate's
 * model in the body, and for streams the rule that a failure after the first event is never
 * repeated with another key.
 */
final class ChatCalls {

    /**
     * The facade's blocking call: routing, fallback, rotation; with the request's shape in the spec
     * each candidate reserves what its provider counts and one that could never admit it is skipped.
     */
    @FunctionalInterface
    interface Caller {
        <T> Served<T> call(String target, CallSpec spec, TargetCall<T> fn);
    }

    private final Caller keycycle;
    private final Function<String, OpenAiCompatClient> clients;

    ChatCalls(Caller caller, Function<String, OpenAiCompatClient> clients) {
        this.keycycle = caller;
        this.clients = clients;
    }

    /**
     * Each attempt's HTTP call is bounded by what is left of the call's deadline ({@link CallSpec#timeout()},
     * waits and earlier attempts included) when that is shorter than the client's request timeout.
     */
    Served<ChatResult> chat(String target, JsonNode body, CallSpec spec) {
        CallSpec s = shaped(body, spec);
        long deadline = deadlineNanos(spec.timeout());
        return keycycle.call(target, s, (c, key) -> clients.apply(c.provider())
                .chat(key.secret(), withModel(body, c.model()), Duration.ofNanos(deadline - System.nanoTime())));
    }

    /** {@link System#nanoTime()} at {@code timeout} from now, saturated far beyond any request timeout. */
    private static long deadlineNanos(Duration timeout) {
        long nanos = timeout.compareTo(MAX_BOUND) > 0 ? MAX_BOUND.toNanos() : timeout.toNanos();
        return System.nanoTime() + nanos;
    }

    private static final Duration MAX_BOUND = Duration.ofDays(365);

    Served<StreamResult> stream(String target, JsonNode body, CallSpec spec, StreamListener listener) {
        CallSpec s = shaped(body, spec);
        return keycycle.call(target, s, (c, key) -> {
            Counting counting = new Counting(listener);
            StreamHandle h = clients.apply(c.provider()).streamAsync(key.secret(), withModel(body, c.model()), counting);
            try {
                return OpenAiCompatClient.await(h);
            } catch (Exception e) {
                throw counting.delivered() ? new PartialAnswerException(c.provider(), e, h.usageSoFar()) : e;
            }
        });
    }

    Served<StreamResult> stream(String target, JsonNode body, CallSpec spec, StreamListener listener,
                                Keycycle.StreamAttempts attempts) {
        CallSpec s = shaped(body, spec);
        return keycycle.call(target, s, (c, key) -> {
            Counting counting = new Counting(listener);
            StreamHandle h = clients.apply(c.provider()).streamAsync(key.secret(), withModel(body, c.model()), counting);
            attempts.started(c, key, h);
            try {
                return h.result().get();
            } catch (InterruptedException e) {
                h.cancel();
                throw e;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (counting.delivered()) throw new PartialAnswerException(c.provider(), cause, h.usageSoFar());
                if (cause instanceof Exception ex) throw ex;
                throw e;
            }
        });
    }

    /**
     * {@code spec} with the chat request's shape ({@link CallSpec#withRequest}): it reserves the prompt
     * estimate plus the request's maximum, or plus the spec's estimate.
     */
    static CallSpec shaped(JsonNode body, CallSpec spec) {
        return spec.withRequest(TokenEstimator.estimatePromptTokens(body), TokenEstimator.maxTokens(body));
    }

    private static JsonNode withModel(JsonNode body, String model) {
        if (!(body instanceof ObjectNode o)) throw new ConfigurationException("a chat request must be a JSON object");
        ObjectNode copy = o.deepCopy();
        copy.put("model", model);
        return copy;
    }

    /** Counts events handed to the caller, so a failure after the first one is never repeated. */
    private static final class Counting implements StreamListener {
        private final StreamListener delegate;
        private final AtomicInteger events = new AtomicInteger();

        Counting(StreamListener delegate) { this.delegate = delegate; }

        @Override public boolean onEvent(SseEvent event) {
            events.incrementAndGet();
            return delegate.onEvent(event);
        }

        boolean delivered() { return events.get() > 0; }
    }
}
