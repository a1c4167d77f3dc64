package io.keycycle.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.Served;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A LangChain4j {@link StreamingChatModel} over a Keycycle target, with the same admission,
 * rotation and fallback as {@link RotatingChatModel}. Partial responses reach the handler as the
 * provider sends them; the final response is handed on after the engine recorded its usage (from
 * the last chunk, which LangChain4j asks for with {@code stream_options.include_usage}).
 *
 * <p>Rotation and fallback happen only before the first partial response. A stream that fails
 * after it is surfaced to {@link StreamingChatResponseHandler#onError} with the failure that broke
 * it, and nothing is retried. Failures before it are Keycycle's exceptions, as for
 * {@link RotatingChatModel}. Cancelling through a partial response's streaming handle closes the
 * stream; the request stays counted (the provider has it).
 *
 * <p>{@code chat(…)} returns at once; the call runs on the builder's executor (by default a shared
 * pool of daemon threads that end when idle), which blocks for the length of the stream.
 */
public final class RotatingStreamingChatModel implements StreamingChatModel {

    private static final ExecutorService DEFAULT_EXECUTOR = Executors.newCachedThreadPool(new ThreadFactoryImpl());

    private final Settings settings;
    private final Delegates delegates;
    private final Executor executor;

    private RotatingStreamingChatModel(Settings settings, Executor executor) {
        this.settings = settings;
        this.executor = executor;
        this.delegates = new Delegates(settings.keycycle(), settings.requestTimeout());
    }

    public static Builder builder() {
        return new Builder();
    }

    public String target() {
        return settings.target();
    }

    public CallSpec callSpec() {
        return settings.spec();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(handler, "handler");
        StreamCall call = new StreamCall(handler);
        try {
            executor.execute(() -> run(request, call));
        } catch (RejectedExecutionException e) {
            handler.onError(e);
        }
    }

    private void run(ChatRequest request, StreamCall call) {
        CallSpec spec = RequestEstimate.spec(settings.spec(), request);
        // the whole call's deadline: each attempt waits for what is left of it, not a timeout of its own
        long deadline = System.nanoTime() + spec.timeout().toNanos();
        try {
            Served<StreamAnswer> served = settings.keycycle().call(settings.target(), spec, (candidate, key) ->
                    call.attempt(candidate.provider(), delegates.streaming(candidate, key), Answers.forModel(request, candidate.model()),
                            Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()))));
            call.finish(served.value());
        } catch (RuntimeException e) {
            call.fail(e);
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return settings.defaultParameters() != null ? settings.defaultParameters() : StreamingChatModel.super.defaultRequestParameters();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return settings.listeners();
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public String toString() {
        return "RotatingStreamingChatModel[" + settings.target() + "]";
    }

    /** Builds a {@link RotatingStreamingChatModel}; see {@link RotatingModelBuilder} for the options. */
    public static final class Builder extends RotatingModelBuilder<Builder> {
        private Executor executor = DEFAULT_EXECUTOR;

        Builder() {
        }

        /** Where calls run (each blocks a thread for the length of its stream). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** @throws io.keycycle.core.ConfigurationException keycycle or target missing, unknown target or tier */
        public RotatingStreamingChatModel build() {
            return new RotatingStreamingChatModel(settings(), executor);
        }
    }

    private static final class ThreadFactoryImpl implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "keycycle-lc4j-stream-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
