package io.keycycle.redis;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The fleet's news: one publish/subscribe channel ({@code {prefix}:events}) carrying
 * {@code freed|provider|model} (capacity came back: waiters try again) and
 * {@code state|provider|...} (a key state changed: re-read it). Messages hold provider, model,
 * scope and fingerprints only. Lettuce re-subscribes after a reconnect.
 */
public final class StateChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StateChannel.class);

    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final List<Consumer<String[]>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> resubscribed = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger subscriptions = new java.util.concurrent.atomic.AtomicInteger();

    public StateChannel(RedisLink link, String channel) {
        this.pubsub = link.connectPubSub();
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override public void message(String ch, String message) { dispatch(message); }

            // The first confirmation is our subscribe; later ones are Lettuce's after a reconnect,
            // and whatever was published while the connection was down never arrives.
            @Override public void subscribed(String ch, long count) {
                if (subscriptions.incrementAndGet() > 1) resubscribed.forEach(StateChannel::runQuietly);
            }
        });
        pubsub.sync().subscribe(channel);
    }

    public void addListener(Consumer<String[]> l) { listeners.add(Objects.requireNonNull(l)); }

    /**
     * Runs {@code r} (on Lettuce's event loop: it must not wait for Redis) each time the channel is
     * subscribed again after a reconnect: messages published meanwhile are lost, so state must be
     * read back.
     */
    public void onResubscribed(Runnable r) { resubscribed.add(Objects.requireNonNull(r)); }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("after re-subscribing to the fleet's channel: {}", e.toString());
        }
    }

    private void dispatch(String message) {
        String[] parts = message.split("\\|", -1);
        for (Consumer<String[]> l : listeners) {
            try {
                l.accept(parts);
            } catch (RuntimeException e) {
                log.warn("fleet message {} failed: {}", parts[0], e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            pubsub.close();
        } catch (RuntimeException e) {
            log.debug("closing the subscription: {}", e.toString());
        }
    }
}
