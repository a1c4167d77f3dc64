package io.keycycle.spring;

import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.Served;
import io.keycycle.core.ApiKey;
import io.keycycle.core.config.ModelRef;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.Disposable;
import reactor.core.publisher.FluxSink;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * One streaming call across its attempts, on {@link Keycycle#callAsync} (no thread is held while
 * the stream runs). Chunks of the current attempt go to the subscriber at once; the first one pins
 * the call: a later failure is surfaced to the subscriber as it happened instead of being retried
 * with another key or candidate. The engine settles each attempt with the usage of the stream's
 * last chunk (Spring AI asks for it with {@code stream_options.include_usage}). Cancelling the
 * subscription cancels the attempt in flight: its request stays counted, as the provider counts it
 * (request and estimated tokens); only an attempt that had not been sent gives its reservation back.
 */
final class StreamRun {

    private final Keycycle keycycle;
    private final String target;
    private final CallSpec spec;
    private final ProviderClients clients;
    private final FluxSink<ChatResponse> sink;
    private final BiFunction<ModelRef, String, Prompt> prompts;
    private final AtomicBoolean delivered = new AtomicBoolean();
    private volatile Throwable broken;
    /** When the call must end ({@link System#nanoTime()}): each attempt's silences are bounded by what is left. */
    private final long deadline;

    StreamRun(Keycycle keycycle, String target, CallSpec spec, ProviderClients clients, FluxSink<ChatResponse> sink,
              BiFunction<ModelRef, String, Prompt> prompts) {
        this.keycycle = keycycle;
        this.target = target;
        this.spec = spec;
        this.clients = clients;
        this.sink = sink;
        this.prompts = prompts;
        this.deadline = RotatingChatModel.deadline(spec);
    }

    void start() {
        CompletableFuture<Served<Answers.Stream>> call = keycycle.callAsync(target, spec, this::attempt);
        sink.onDispose(() -> call.cancel(true));
        call.whenComplete((served, failure) -> {
            if (failure == null) {
                // a stream broken after its first chunk is settled as abandoned (it stays counted): the subscriber hears what broke it
                if (broken != null) sink.error(broken);
                else sink.complete();
            } else if (!(failure instanceof CancellationException)) {
                sink.error(broken != null ? broken : unwrap(failure));
            }
        });
    }

    private CompletionStage<Answers.Stream> attempt(ModelRef candidate, ApiKey key) {
        if (broken != null || sink.isCancelled()) return CompletableFuture.completedFuture(Answers.Stream.notSent());
        KeyRoutes.Route route = clients.routes().open(key, deadline);
        CompletableFuture<Answers.Stream> done = new CompletableFuture<>();
        AtomicReference<Usage> usage = new AtomicReference<>();
        Disposable upstream;
        try {
            upstream = clients.model(candidate.provider()).stream(prompts.apply(candidate, route.token())).subscribe(
                    r -> {
                        if (done.isDone()) return;
                        delivered.set(true);
                        Usage u = r.getMetadata().getUsage();
                        if (Answers.hasCounts(u)) usage.set(u);
                        sink.next(RotatingChatModel.servedBy(r, candidate.provider(), candidate.model(), key.fingerprint()));
                    },
                    e -> {
                        clients.routes().close(route);
                        if (delivered.get()) {
                            broken = e;
                            done.complete(Answers.Stream.brokenAfterDelivery(route.failure(candidate.provider(), e)));
                        } else {
                            done.completeExceptionally(route.failure(candidate.provider(), e));
                        }
                    },
                    () -> {
                        clients.routes().close(route);
                        done.complete(Answers.Stream.completed(route.headers(), usage.get()));
                    });
        } catch (RuntimeException e) {
            clients.routes().close(route);
            return CompletableFuture.failedFuture(e);
        }
        done.whenComplete((v, e) -> {
            if (e instanceof CancellationException) {
                upstream.dispose();
                clients.routes().close(route);
            }
        });
        return done;
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        return t;
    }
}
