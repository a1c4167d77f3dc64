package io.keycycle.sim;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The answers of a hostile or broken upstream, for the gateway's defences: a stall after the
 * headers, a line that never ends, a 100 MB body, an HTML page with status 200, a status line or
 * headers no client can parse. Each is written on the exchange's own thread; a reader that gives up makes
 * the write fail, which ends the answer.
 */
final class HostileAnswers {

    static final int STALL_SECONDS = 30;
    static final long HUGE_BYTES = 100L * 1000 * 1000;
    static final long ENDLESS_LIMIT = 1L << 30;
    static final int GARBAGE_HEADER_BYTES = 64 * 1024;

    private HostileAnswers() { }

    static void send(HttpExchange ex, FaultKind.Type type, boolean stream, ProviderControl p) throws IOException {
        try {
            switch (type) {
                case STALL_AFTER_HEADERS -> stall(ex, stream);
                case ENDLESS_LINE -> endless(ex, stream, p);
                case HUGE_BODY -> huge(ex, stream, p);
                case WRONG_CONTENT_TYPE -> html(ex);
                case GARBAGE_STATUS -> garbage(ex);
                case GARBAGE_HEADERS -> garbageHeaders(ex, stream);
                default -> throw new IllegalArgumentException(type + " is not a hostile answer");
            }
        } catch (IOException e) {
            // the reader gave up (the point of most of these): nothing more to write
        } finally {
            ex.close();
        }
    }

    private static void stall(HttpExchange ex, boolean stream) throws IOException {
        ex.getResponseHeaders().set("Content-Type", stream ? "text/event-stream; charset=utf-8" : "application/json");
        ex.sendResponseHeaders(200, 0);
        ex.getResponseBody().flush();
        try {
            Thread.sleep(STALL_SECONDS * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void endless(HttpExchange ex, boolean stream, ProviderControl p) throws IOException {
        ex.getResponseHeaders().set("Content-Type", stream ? "text/event-stream; charset=utf-8" : "application/json");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        byte[] start = (stream ? "data: {\"padding\":\"" : "{\"padding\":\"").getBytes(StandardCharsets.US_ASCII);
        out.write(start);
        p.addHostileBytes(start.length);
        byte[] block = new byte[64 * 1024];
        Arrays.fill(block, (byte) 'x');
        for (long written = 0; written < ENDLESS_LIMIT; written += block.length) {
            out.write(block);
            out.flush();
            p.addHostileBytes(block.length);
        }
    }

    private static void huge(HttpExchange ex, boolean stream, ProviderControl p) throws IOException {
        ex.getResponseHeaders().set("Content-Type", stream ? "text/event-stream; charset=utf-8" : "application/json");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        char[] pad = new char[1000];
        Arrays.fill(pad, 'x');
        if (stream) {
            byte[] event = ("data: {\"id\":\"chatcmpl-huge\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"" + new String(pad) + "\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written < HUGE_BYTES; written += event.length) {
                out.write(event);
                p.addHostileBytes(event.length);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            byte[] head = "{\"id\":\"chatcmpl-huge\",\"object\":\"chat.completion\",\"padding\":\"".getBytes(StandardCharsets.US_ASCII);
            out.write(head);
            byte[] block = new String(pad).repeat(64).getBytes(StandardCharsets.US_ASCII);
            for (long written = head.length; written < HUGE_BYTES; written += block.length) {
                out.write(block);
                p.addHostileBytes(block.length);
            }
            out.write("\"}".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }

    private static void html(HttpExchange ex) throws IOException {
        byte[] page = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
                .getBytes(StandardCharsets.US_ASCII);
        ex.getResponseHeaders().set("Content-Type", "text/html");
        ex.sendResponseHeaders(200, page.length);
        ex.getResponseBody().write(page);
    }

    private static void garbage(HttpExchange ex) throws IOException {
        ex.sendResponseHeaders(-5, 0);   // "HTTP/1.1 -5 ": no client can read a status from that
        ex.getResponseBody().write("garbage".getBytes(StandardCharsets.US_ASCII));
    }

    private static void garbageHeaders(HttpExchange ex, boolean stream) throws IOException {
        var h = ex.getResponseHeaders();
        h.set("Content-Type", stream ? "text/event-stream; charset=utf-8" : "application/json");
        h.set("\u0001\u0007\u001b[2J", "\u0000\u00ff");          // a name and value of control characters
        h.set("Content-Length", "banana");                     // beside the chunked encoding set below
        h.set("X-Padding", "x".repeat(GARBAGE_HEADER_BYTES));  // beyond any client's header limit
        ex.sendResponseHeaders(200, 0);
        String body = stream
                ? "data: {\"id\":\"chatcmpl-garbage\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"from garbage headers\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
                : "{\"id\":\"chatcmpl-garbage\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                        + "{\"role\":\"assistant\",\"content\":\"from garbage headers\"},\"finish_reason\":\"stop\"}]}";
        ex.getResponseBody().write(body.getBytes(StandardCharsets.US_ASCII));
    }
}
