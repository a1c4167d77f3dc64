package io.keycycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.CallSpec;
import io.keycycle.Keycycle;
import io.keycycle.Served;
import io.keycycle.core.Usage;
import io.keycycle.core.client.ChatResult;
import io.keycycle.core.client.SseEvent;
import io.keycycle.core.client.StreamResult;
import io.keycycle.store.KeycycleStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code keycycle chat "prompt"}: one prompt through the pool, with rotation and fallback, usage
 * recorded in the database. The answer goes to stdout; who served it to stderr.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {
                "Send one prompt through the key pool and print the answer.",
                "",
                "The answer goes to stdout, then a line to stderr with provider, model, key fingerprint, "
                        + "attempts and tokens. A rate-limited key rotates to the next; an exhausted provider falls "
                        + "back to the next tier candidate. Usage goes to the database. The target (--model) is a "
                        + "tier, provider/model, a provider (its default model) or a bare model."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle chat \"Say hello in French\"",
                "  keycycle chat --model groq/openai/gpt-oss-20b \"What is 2+2?\"",
                "  keycycle chat --model fast --stream --max-tokens 200 \"Write a haiku\"",
                "  echo \"Summarise this\" | keycycle chat -",
                "  keycycle chat --db none --model gemini \"ping\"      (no database)"})
final class ChatCommand extends KeycycleCommand {

    @Parameters(index = "0", paramLabel = "PROMPT", description = "The prompt; '-' reads it from stdin.")
    String prompt;

    @Option(names = {"-m", "--model"}, paramLabel = "TARGET",
            description = "Tier, provider/model, provider or model (default: the first tier, else the first provider's default model).")
    String model;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message before the prompt.")
    String system;

    @Option(names = "--stream", description = "Print the answer as it arrives.")
    boolean stream;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "512",
            description = "Completion budget, reserved against token limits (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Overall deadline, waits and retries included (default: calls.timeout of the file, else 2m).")
    Duration timeout;

    @Option(names = "--wait", description = "When every key is busy, wait for one (up to --timeout) instead of failing.")
    boolean waitForKey;

    @Override
    protected int execute() throws IOException {
        if (maxTokens < 1) throw usage("--max-tokens must be >= 1, was " + maxTokens);
        String text = prompt.equals("-") ? readStdin() : prompt;
        if (text.isBlank()) throw usage("the prompt is empty");
        KeycycleFactory f = factory();
        // nothing to call with: say so before a database (and its journal) is created for nothing
        if (f.keys().keys().isEmpty()) throw noKeys();
        KeycycleStore store = f.openStore();
        try (Keycycle kc = open(f, store)) {
            String target = model != null ? model : defaultTarget(kc);
            ObjectNode body = Json.MAPPER.createObjectNode();
            var messages = body.putArray("messages");
            if (system != null) messages.addObject().put("role", "system").put("content", system);
            messages.addObject().put("role", "user").put("content", text);
            body.put("max_tokens", maxTokens);
            CallSpec spec = kc.callSpec().withWait(waitForKey); // calls: of the file; the prompt sets its own max tokens
            if (timeout != null) spec = spec.withTimeout(timeout);
            if (stream) return streamed(kc, target, body, spec);
            Served<ChatResult> served = kc.chat(target, body, spec);
            ChatResult r = served.value();
            if (!r.isSuccess()) throw new CliFailure(served.provider() + "/" + served.model() + " answered HTTP " + r.status() + ": " + abbreviate(r.bodyText()));
            out().println(answer(r.bodyText()));
            out().flush();
            err().println(servedLine(served, r.usage()));
            return 0;
        }
    }

    private static Keycycle open(KeycycleFactory f, KeycycleStore store) {
        try {
            return f.keycycle(store);
        } catch (RuntimeException e) {
            if (store != null) store.close();
            throw e;
        }
    }

    private int streamed(Keycycle kc, String target, ObjectNode body, CallSpec spec) {
        PrintWriter out = out();
        Served<StreamResult> served = kc.stream(target, body, spec, e -> {
            if (!e.isDone()) {
                String delta = delta(e);
                if (!delta.isEmpty()) {
                    out.print(delta);
                    out.flush();
                }
            }
            return true;
        });
        StreamResult r = served.value();
        out.println();
        out.flush();
        if (!r.isSuccess()) {
            throw new CliFailure(served.provider() + "/" + served.model() + " stream failed (HTTP " + r.status() + ")"
                    + r.errorEvent().map(ev -> ": " + abbreviate(ev)).orElse(""));
        }
        err().println(servedLine(served, r.usage()));
        return 0;
    }

    private static String defaultTarget(Keycycle kc) {
        if (!kc.tiers().isEmpty()) return kc.tiers().keySet().iterator().next();
        if (kc.providers().isEmpty()) throw noKeys();
        return kc.providers().iterator().next();
    }

    private static CliFailure noKeys() {
        return new CliFailure("no keys: set NUM_<PROVIDER>=n and <PROVIDER>_API_KEY_1..n (e.g. NUM_GROQ, GROQ_API_KEY_1) "
                + "in the environment or a .env file; `keycycle check` shows what was found");
    }

    private static String servedLine(Served<?> s, Optional<Usage> usage) {
        String tokens = usage.map(u -> u.promptTokens() + " prompt + " + u.completionTokens() + " completion = " + u.totalTokens())
                .orElse("not reported");
        return "— " + s.provider() + "/" + s.model() + " · key " + s.fingerprint() + " · " + s.attempts()
                + (s.attempts() == 1 ? " attempt" : " attempts") + (s.fallbacks() > 0 ? " · " + s.fallbacks() + " fallback(s)" : "")
                + " · tokens " + tokens;
    }

    /** The first choice's message content, or the body itself if it has none. */
    static String answer(String body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            JsonNode content = n.path("choices").path(0).path("message").path("content");
            return content.isTextual() ? content.asText() : body;
        } catch (IOException e) {
            return body;
        }
    }

    /** The text of one stream chunk ({@code choices[0].delta.content}); empty for usage-only chunks. */
    static String delta(SseEvent e) {
        try {
            JsonNode c = Json.MAPPER.readTree(e.data()).path("choices").path(0).path("delta").path("content");
            return c.isTextual() ? c.asText() : "";
        } catch (IOException ex) {
            return "";
        }
    }

    private static String abbreviate(String s) {
        String t = s == null ? "" : s.strip();
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    private static String readStdin() throws IOException {
        InputStream in = System.in;
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
