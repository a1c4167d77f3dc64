package io.keycycle.cli;

import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the tests of {@code keycycle serve} run in a thread of their own share: its port, a chat request. */
final class ServeHelpers {

    private ServeHelpers() {
    }

    /** The port {@code serve} printed it listens on, once it has (60 s at most). */
    static int awaitPort(StringWriter out, StringWriter err) throws InterruptedException {
        Pattern p = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/v1");
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < until) {
            Matcher m = p.matcher(out.toString());
            if (m.find()) return Integer.parseInt(m.group(1));
            Thread.sleep(50);
        }
        throw new AssertionError("serve did not start:\n" + out + "\n" + err);
    }

    /** A plain chat request for {@code model} (20 tokens), with {@code x-keycycle-wait} when {@code wait} is not null. */
    static HttpRequest chat(int port, String model, String wait) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":20,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        if (wait != null) b.header("x-keycycle-wait", wait);
        return b.build();
    }
}
