package io.keycycle.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for requests an HTTP client library will not send: any Host, any
 * method, oversized heads. One request per connection ({@code Connection: close}).
 */
final class RawHttp {

    record Response(int status, String head, String body) {
        @Override public String toString() { return status + "\n" + head + "\n\n" + body; }
    }

    private RawHttp() { }

    /** Sends {@code method path} with the given extra header lines (each "Name: value") and body. */
    static Response send(int port, String method, String path, String host, String body, String... headers) {
        StringBuilder req = new StringBuilder();
        req.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (host != null) req.append("Host: ").append(host).append("\r\n");
        for (String h : headers) req.append(h).append("\r\n");
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) req.append("Content-Length: ").append(b.length).append("\r\n");
        req.append("Connection: close\r\n\r\n");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(b);
            s.getOutputStream().flush();
            return parse(readAll(s.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    static Response parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        String head = end < 0 ? raw : raw.substring(0, end);
        String body = end < 0 ? "" : raw.substring(end + 4);
        String[] first = head.split("\r\n", 2)[0].split(" ");
        int status = first.length > 1 ? Integer.parseInt(first[1]) : -1;
        if (head.toLowerCase().contains("transfer-encoding: chunked")) body = dechunk(body);
        return new Response(status, head, body);
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int nl = body.indexOf("\r\n", i);
            if (nl < 0) break;
            int size = Integer.parseInt(body.substring(i, nl).trim().split(";")[0], 16);
            if (size == 0) break;
            out.append(body, nl + 2, Math.min(body.length(), nl + 2 + size));
            i = nl + 2 + size + 2;
        }
        return out.toString();
    }
}
