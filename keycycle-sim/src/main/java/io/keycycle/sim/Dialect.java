package io.keycycle.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How one provider words its answers: success bodies and headers, stream frames, and every error
 * body. The shapes follow providers.md; the subclasses note where a shape is a guess.
 */
abstract class Dialect {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DONE = "data: [DONE]\n\n";

    static Dialect of(ProviderKind kind) {
        return switch (kind) {
            case CEREBRAS -> new CerebrasDialect();
            case GROQ -> new GroqDialect();
            case GEMINI -> new GeminiDialect();
            case OPENROUTER -> new OpenRouterDialect();
        };
    }

    // ---- errors ----------------------------------------------------------------------------

    /** No {@code Authorization} header at all. */
    abstract Reply missingKey();

    /** An unknown or {@link KeyState#DEAD} key, or a key in another failing state. */
    abstract Reply keyRejected(KeyState state);

    /**
     * {@link #keyRejected(KeyState)} for a key whose secret and scope are known ({@code scope} null
     * for an unknown key), for the answers that name them (Gemini's suspended consumer and project).
     */
    Reply keyRejected(KeyState state, String secret, String scope) {
        return keyRejected(state);
    }

    /** Malformed JSON or a missing field. */
    abstract Reply badRequest(String message);

    abstract Reply modelNotFound(String model);

    abstract Reply modelGone(String model);

    /** 400: the prompt and its completion limit exceed the model's context window (Groq, Cerebras). */
    Reply contextTooLong(String model, int requested, int window) {
        throw new UnsupportedOperationException("no context window is simulated for this provider");
    }

    /**
     * The model exists but no endpoint serves what this request asks for ({@code what}, e.g.
     * "tool use"). OpenRouter's is a 404; elsewhere a 400 (a guess: no provider documents it).
     */
    Reply noEndpointForRequest(String model, String what) {
        return badRequest("model " + model + " does not support " + what);
    }

    /** Gemini's 429 {@code limit: 0}; other providers never configure it. */
    Reply noFreeTier(Turn turn) {
        throw new IllegalStateException("no-free-tier models exist only on gemini");
    }

    abstract Reply rateLimited(Turn turn, Bucket.Limited limited);

    /** One request larger than a token limit. Default: the 429 of that window, waiting a full window. */
    Reply tooLarge(Turn turn, Bucket.TooLarge t) {
        Duration wait = switch (t.metric().span) {
            case MINUTE -> Duration.ofMinutes(1);
            case HOUR -> Duration.ofHours(1);
            case DAY -> Duration.ofDays(1);
        };
        return rateLimited(turn, new Bucket.Limited(t.metric(), t.limit(), 0, t.requested(), wait, t.snapshot()));
    }

    /** An injected failure (never SLOW or RESET_CONNECTION, which the handler carries out). */
    abstract Reply fault(FaultKind fault, Turn turn);

    // ---- success ---------------------------------------------------------------------------

    abstract ObjectNode completion(Turn turn);

    /** Rate-limit headers on a success (and, for Groq and Cerebras, on errors carrying a snapshot). */
    Map<String, String> rateLimitHeaders(Bucket.Snapshot snapshot) {
        return Map.of();
    }

    /** Extra non-rate-limit headers on a success. */
    Map<String, String> successHeaders(Turn turn) {
        return Map.of();
    }

    /** Every SSE frame of a successful stream, each a complete frame ending in a blank line. */
    abstract List<String> streamFrames(Turn turn);

    /**
     * A stream that fails after generation started (OpenRouter's documented shape, used for all):
     * role and first content chunk, then an event with top-level {@code error} and
     * {@code finish_reason: "error"}; no {@code [DONE]}.
     */
    List<String> midStreamErrorFrames(Turn turn) {
        List<String> frames = new ArrayList<>();
        List<String> pieces = turn.request().pieces();
        frames.add(data(chunk(turn, delta("assistant", pieces.get(0)), null)));
        ObjectNode error = chunk(turn, delta(null, ""), "error");
        error.putObject("error").put("code", 502).put("message", "Provider returned error");
        frames.add(data(error));
        return frames;
    }

    /** A {@code chat.completion.chunk} with one choice; subclasses set the envelope fields. */
    abstract ObjectNode chunk(Turn turn, ObjectNode delta, String finishReason);

    abstract String newId(Turn turn);

    ObjectNode models(List<String> ids, long created) {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ids) {
            data.addObject().put("id", id).put("object", "model").put("created", created).put("owned_by", ownedBy());
        }
        return root;
    }

    String ownedBy() {
        return "system";
    }

    // ---- helpers ---------------------------------------------------------------------------

    static ObjectNode obj() {
        return JSON.createObjectNode();
    }

    static ObjectNode delta(String role, String content) {
        ObjectNode d = obj();
        if (role != null) {
            d.put("role", role);
        }
        if (content != null) {
            d.put("content", content);
        }
        return d;
    }

    static String data(JsonNode node) {
        try {
            return "data: " + JSON.writeValueAsString(node) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String random(String alphabet, int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    static String hex(int n) {
        return random("0123456789abcdef", n);
    }

    static String alnum(int n) {
        return random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n);
    }

    static String chatcmplId() {
        return "chatcmpl-" + hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12);
    }

    static double seconds(double value) {
        return Math.round(value * 1e6) / 1e6;
    }
}
