package io.keycycle.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps the client connections open at once ({@code gateway.max-connections}): a connection over
 * the cap is closed as it arrives, before a request is read, and counted in
 * {@code keycycle_gateway_connections_refused_total}. Each connection holds buffers and a slot in
 * the event loop's selector; without a cap a client opening sockets in a loop grows memory until
 * the process dies.
 */
final class ConnectionLimit implements Handler<HttpConnection> {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter refused;
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    /** Names of the event-loop threads that accepted a connection (one entry per loop: per connection, not per request). */
    private final java.util.Set<String> loops = java.util.concurrent.ConcurrentHashMap.newKeySet();

    ConnectionLimit(int max, MeterRegistry registry) {
        this.max = max;
        this.refused = Counter.builder("keycycle.gateway.connections.refused")
                .description("client connections closed because gateway.max-connections were open").register(registry);
    }

    /** How many event loops have accepted client connections so far. */
    int loopsServing() { return loops.size(); }

    @Override
    public void handle(HttpConnection connection) {
        String thread = Thread.currentThread().getName();
        if (!loops.contains(thread)) loops.add(thread);
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.increment();
            long now = System.nanoTime();
            long last = lastWarn.get();
            if (now - last >= WARN_EVERY_NANOS && lastWarn.compareAndSet(last, now)) {
                log.warn("{} client connections are open (gateway.max-connections); closing new ones", max);
            }
            connection.close();
            return;
        }
        connection.closeHandler(v -> open.decrementAndGet());
    }
}
