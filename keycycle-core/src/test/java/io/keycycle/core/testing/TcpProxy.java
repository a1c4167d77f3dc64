package io.keycycle.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny TCP forwarder for outage tests: {@link #stop()} closes the listening socket and every
 * forwarded connection (clients see connection refused / lost connection, as when a database
 * restarts), {@link #start()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile int port;
    private volatile ServerSocket server;

    public TcpProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** Listens (on an ephemeral port the first time, the same port afterwards). */
    public synchronized TcpProxy start() throws IOException {
        if (server != null) return this;
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        port = s.getLocalPort();
        server = s;
        Thread t = new Thread(() -> accept(s), "tcp-proxy-accept-" + port);
        t.setDaemon(true);
        t.start();
        return this;
    }

    /** Stops listening and cuts every open connection. */
    public synchronized void stop() {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            try { s.close(); } catch (IOException ignored) { /* closing */ }
        }
        for (Socket socket : sockets) {
            try { socket.close(); } catch (IOException ignored) { /* closing */ }
        }
        sockets.clear();
    }

    public int port() { return port; }

    @Override public void close() { stop(); }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException closed) {
                return;
            }
            try {
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                if (server != s) { // stopped meanwhile
                    client.close();
                    upstream.close();
                    continue;
                }
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                try { client.close(); } catch (IOException ignored) { /* closing */ }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // connection cut
            } finally {
                try { from.close(); } catch (IOException ignored) { /* closing */ }
                try { to.close(); } catch (IOException ignored) { /* closing */ }
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }
}
