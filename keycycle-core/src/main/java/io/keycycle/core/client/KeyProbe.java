package io.keycycle.core.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keycycle.core.Outcome;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.classify.ProviderProfiles;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks a provider, with the cheapest call it offers, whether one key works: {@code GET {base}/models}
 * where that authenticates the key (Cerebras, Groq, Gemini's OpenAI-compatible endpoint and generic
 * OpenAI-compatible providers), and for OpenRouter, whose model list is public, {@code GET {base}/key}
 * (the key's own spending limit) and {@code GET {base}/credits} (a negative balance answers 402 even on
 * free models). The answer is judged by the provider's own classifier, so a probe reads a revoked key,
 * a suspended organisation or a missing credit exactly as a chat call would.
 *
 * <p>An I/O adapter: it sends HTTP and never throws for what a provider answers (only
 * {@link InterruptedException}); a connection failure is {@link Health#UNREACHABLE}. The secret appears
 * only in the {@code Authorization} header. Thread-safe.
 */
public final class KeyProbe {

    /** What the provider said about the key. */
    public enum Health {
        /** It answered: the key works (it may still be at a limit: see {@link #RATE_LIMITED}). */
        VALID,
        /** Wrong, revoked or expired key. */
        INVALID,
        /** The key or its organisation/project is suspended, restricted or reported leaked. */
        SUSPENDED,
        /** The account has no credit (402, or a negative OpenRouter balance). */
        NO_CREDIT,
        /** OpenRouter: this key's own spending limit is used up; other keys of the account may work. */
        KEY_LIMIT,
        /** The key is valid but at a rate limit right now. */
        RATE_LIMITED,
        /** No HTTP answer (connection refused, timeout). */
        UNREACHABLE,
        /** An answer the probe cannot read as any of the above (5xx, unexpected status). */
        UNKNOWN;

        /** {@code no-credit}, {@code rate-limited}, … */
        public String key() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

        /** True when the key may serve (valid, or only rate-limited). */
        public boolean usable() { return this == VALID || this == RATE_LIMITED; }
    }

    /**
     * One probe's result.
     *
     * @param status       the HTTP status that decided (0 when unreachable)
     * @param organisation the organisation/project/label the provider reports for the key, or null
     * @param models       the model ids the key can see (sorted; empty when the call failed)
     * @param detail       a short human text (the classifier's reason; never a secret)
     */
    public record Result(Health health, int status, String organisation, List<String> models, String detail) {
        public Result {
            Objects.requireNonNull(health, "health");
            models = models == null ? List.of() : List.copyOf(models);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Groq names the organisation in its error messages: "in organization `org_…`". */
    private static final Pattern ORGANIZATION = Pattern.compile("organi[sz]ation `([^`]{1,80})`");

    private final String provider;
    private final String base;
    private final HttpClient http;
    private final Duration timeout;

    private KeyProbe(String provider, URI baseUri, HttpClient http, Duration timeout) {
        this.provider = Objects.requireNonNull(provider, "provider").toLowerCase(Locale.ROOT);
        String b = Objects.requireNonNull(baseUri, "baseUri").toString();
        while (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        this.base = b;
        this.http = http;
        this.timeout = timeout;
    }

    /** A probe of {@code provider}'s endpoint with a 10 s timeout. */
    public static KeyProbe create(String provider, URI baseUri) {
        return create(provider, baseUri, Duration.ofSeconds(10));
    }

    public static KeyProbe create(String provider, URI baseUri, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        return new KeyProbe(provider, baseUri, http, timeout);
    }

    public String provider() { return provider; }

    /** Probes the key now; {@code now} is the instant the answer is judged at. */
    public Result probe(String secret, Instant now) throws InterruptedException {
        Objects.requireNonNull(secret, "secret");
        try {
            return provider.equals("openrouter") ? openRouter(secret, now) : listModels(secret, now);
        } catch (IOException e) {
            return new Result(Health.UNREACHABLE, 0, null, List.of(),
                    "no answer from " + base + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Result listModels(String secret, Instant now) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/models", secret);
        Result judged = judge(r, now);
        if (judged.health() != Health.VALID) return judged;
        return new Result(Health.VALID, r.statusCode(), organisation(r), modelIds(r.body()), "ok");
    }

    private Result openRouter(String secret, Instant now) throws IOException, InterruptedException {
        HttpResponse<String> key = get("/key", secret);
        Result judged = judge(key, now);
        if (judged.health() != Health.VALID) return judged;
        JsonNode data = tree(key.body()).path("data");
        String label = data.path("label").isTextual() ? data.path("label").asText() : null;
        JsonNode left = data.path("limit_remaining");
        if (left.isNumber() && left.asDouble() <= 0) {
            return new Result(Health.KEY_LIMIT, key.statusCode(), label, List.of(), "this key's spending limit is used up");
        }
        HttpResponse<String> credits = get("/credits", secret);
        if (credits.statusCode() == 200) {
            JsonNode c = tree(credits.body()).path("data");
            if (c.path("total_credits").isNumber() && c.path("total_usage").isNumber()
                    && c.path("total_credits").asDouble() - c.path("total_usage").asDouble() < 0) {
                return new Result(Health.NO_CREDIT, credits.statusCode(), label, List.of(), "negative credit balance");
            }
        }
        HttpResponse<String> models = get("/models", secret);
        return new Result(Health.VALID, key.statusCode(), label,
                models.statusCode() == 200 ? modelIds(models.body()) : List.of(), "ok");
    }

    /** The provider's classifier on the answer, mapped to a health. */
    private Result judge(HttpResponse<String> r, Instant now) {
        Outcome o = ProviderProfiles.forProvider(provider).classify(new ProviderResponse(r.statusCode(), r.headers().map(), r.body()), now);
        Health h = switch (o.kind()) {
            case SUCCESS -> Health.VALID;
            case KEY_INVALID -> Health.INVALID;
            case KEY_SUSPENDED -> Health.SUSPENDED;
            case PAYMENT -> o.scopeWide() ? Health.NO_CREDIT : Health.KEY_LIMIT;
            case RATE_LIMITED, QUOTA_EXHAUSTED, PAYMENT_TRANSIENT -> Health.RATE_LIMITED;
            default -> Health.UNKNOWN;
        };
        return new Result(h, r.statusCode(), organisation(r), List.of(), o.reason());
    }

    private HttpResponse<String> get(String path, String secret) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Authorization", "Bearer " + secret).header("User-Agent", "keycycle-java").GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** OpenAI's {@code openai-organization}/{@code openai-project} headers, else Groq's "organization `…`" text. */
    private static String organisation(HttpResponse<String> r) {
        List<String> parts = new ArrayList<>();
        r.headers().firstValue("openai-organization").ifPresent(parts::add);
        r.headers().firstValue("openai-project").ifPresent(parts::add);
        if (!parts.isEmpty()) return String.join("/", parts);
        String body = r.body() == null ? "" : r.body();
        Matcher m = ORGANIZATION.matcher(body.length() > 4096 ? body.substring(0, 4096) : body);
        return m.find() ? m.group(1) : null;
    }

    /** The ids of an OpenAI-style model list; Gemini's {@code models/} prefix dropped. */
    static List<String> modelIds(String body) {
        TreeSet<String> ids = new TreeSet<>();
        for (JsonNode m : tree(body).path("data")) {
            String id = m.path("id").asText("");
            if (id.startsWith("models/")) id = id.substring(7);
            if (!id.isBlank()) ids.add(id);
        }
        return List.copyOf(ids);
    }

    private static JsonNode tree(String body) {
        try {
            JsonNode n = JSON.readTree(body == null ? "" : body);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    @Override public String toString() { return "KeyProbe[" + provider + " " + base + "]"; }

}
