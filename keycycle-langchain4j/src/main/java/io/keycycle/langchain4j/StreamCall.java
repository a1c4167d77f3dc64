package io.keycycle.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One logical streaming call across its attempts. Partial responses of the current attempt go to
 * the caller's handler at once; the first one pins the call: a later failure is surfaced to the
 * caller instead of being retried with another key or candidate (a fallback attempt started by the
 * engine after that is abandoned without a request). The final response is handed on only after
 * the engine settled the usage.
 */
final class StreamCall {

    private final StreamingChatResponseHandler caller;
    private final AtomicBoolean delivered = new AtomicBoolean();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile Throwable broken;

    StreamCall(StreamingChatResponseHandler caller) {
        this.caller = caller;
    }

    /**
     * Runs one attempt on {@code model}, blocking until it completes, fails or {@code limit} passes. A
     * stream LangChain4j completed although the provider sent an {@code error} event (OpenRouter's
     * mid-stream failure) counts as failed.
     */
    StreamAnswer attempt(String provider, StreamingChatModel model, ChatRequest request, Duration limit) throws Exception {
        if (broken != null || cancelled.get()) return StreamAnswer.notSent();
        Attempt a = new Attempt();
        model.chat(request, a);
        try {
            ChatResponse r = a.done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) return StreamAnswer.cancelledInFlight();
            ProviderStatusException midStream = Answers.midStreamError(provider, r);
            return midStream == null ? StreamAnswer.completed(r) : failed(a, midStream);
        } catch (ExecutionException e) {
            return failed(a, e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            return failed(a, e);
        } catch (InterruptedException e) {
            a.stop();
            throw e;
        }
    }

    private StreamAnswer failed(Attempt a, Throwable failure) throws Exception {
        a.stop();
        if (delivered.get()) {
            broken = failure;
            return StreamAnswer.brokenAfterDelivery(failure);
        }
        if (failure instanceof Exception e) throw e;
        throw new IllegalStateException("streaming call failed", failure);
    }

    /** The engine returned: hand the final response on, or the failure that broke a started stream. */
    void finish(StreamAnswer answer) {
        if (broken != null) {
            caller.onError(broken);
        } else if (answer.chat() != null) {
            caller.onCompleteResponse(answer.chat());
        }
        // cancelled by the caller: nothing more to say
    }

    /** The engine gave up; a started stream reports what broke it rather than the engine's summary. */
    void fail(Throwable engineFailure) {
        caller.onError(broken != null ? broken : engineFailure);
    }

    /** Receives one delegate stream; forwards while it is the current attempt. */
    private final class Attempt implements StreamingChatResponseHandler {
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        private volatile StreamingHandle upstream;
        private volatile boolean stopped;

        void stop() {
            stopped = true;
            StreamingHandle h = upstream;
            if (h != null && !h.isCancelled()) h.cancel();
        }

        private boolean forwarding() {
            if (stopped) return false;
            delivered.set(true);
            return true;
        }

        private StreamingHandle wrap(StreamingHandle h) {
            upstream = h;
            return new StreamingHandle() {
                @Override public void cancel() {
                    cancelled.set(true);
                    stop();
                    done.complete(null);
                }

                @Override public boolean isCancelled() { return cancelled.get(); }
            };
        }

        /**
         * Hands one piece to the caller's handler. A handler that throws has failed: nothing more is
         * forwarded from then on, though the stream may deliver a few more pieces before its failure
         * has travelled through the engine (before 2026-12-06 they reached the failed handler).
         */
        private void deliver(Runnable toCaller) {
            try {
                toCaller.run();
            } catch (RuntimeException | Error e) {
                stopped = true;
                throw e;
            }
        }

        @Override public void onPartialResponse(String text) {
            if (forwarding()) deliver(() -> caller.onPartialResponse(text));
        }

        @Override public void onPartialResponse(PartialResponse p, PartialResponseContext ctx) {
            if (forwarding()) deliver(() -> caller.onPartialResponse(p, new PartialResponseContext(wrap(ctx.streamingHandle()))));
        }

        @Override public void onPartialThinking(PartialThinking p) {
            if (forwarding()) deliver(() -> caller.onPartialThinking(p));
        }

        @Override public void onPartialThinking(PartialThinking p, PartialThinkingContext ctx) {
            if (forwarding()) deliver(() -> caller.onPartialThinking(p, new PartialThinkingContext(wrap(ctx.streamingHandle()))));
        }

        @Override public void onPartialToolCall(PartialToolCall p) {
            if (forwarding()) deliver(() -> caller.onPartialToolCall(p));
        }

        @Override public void onPartialToolCall(PartialToolCall p, PartialToolCallContext ctx) {
            if (forwarding()) deliver(() -> caller.onPartialToolCall(p, new PartialToolCallContext(wrap(ctx.streamingHandle()))));
        }

        @Override public void onCompleteToolCall(CompleteToolCall call) {
            if (forwarding()) deliver(() -> caller.onCompleteToolCall(call));
        }

        @Override public void onUnmappedRawEvent(Object event) {
            if (!stopped) caller.onUnmappedRawEvent(event);
        }

        @Override public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
        }

        @Override public void onError(Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
