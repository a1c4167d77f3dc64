package io.keycycle.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Routes {@code /<provider-prefix>/chat/completions} and {@code /models} and answers them: auth,
 * parsing, model checks, injected faults, admission against the bucket, then the provider's body.
 * Every answer is counted in {@link SimStats} before it is written.
 */
final class SimHandler implements HttpHandler {

    private final Map<ProviderKind, ProviderControl> providers;
    private final SimStats stats;
    private final Clock clock;
    private final Duration latency;
    private final Duration chunkInterval;

    SimHandler(Map<ProviderKind, ProviderControl> providers, SimStats stats, Clock clock,
               Duration latency, Duration chunkInterval) {
        this.providers = providers;
        this.stats = stats;
        this.clock = clock;
        this.latency = latency;
        this.chunkInterval = chunkInterval;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            for (ProviderControl p : providers.values()) {
                String prefix = p.kind().pathPrefix();
                if (path.startsWith(prefix + "/")) {
                    String rest = path.substring(prefix.length());
                    String method = ex.getRequestMethod();
                    if (rest.equals("/chat/completions") && method.equals("POST")) {
                        chat(ex, p);
                    } else if (rest.equals("/models") && method.equals("GET")) {
                        models(ex, p);
                    } else if (p.kind() == ProviderKind.OPENROUTER && method.equals("GET")
                            && (rest.equals("/key") || rest.equals("/credits"))) {
                        account(ex, p, rest.equals("/key"));
                    } else {
                        send(ex, Reply.empty(rest.equals("/chat/completions") || rest.equals("/models") ? 405 : 404));
                    }
                    return;
                }
            }
            send(ex, Reply.empty(404));
        } finally {
            ex.close();
        }
    }

    private void chat(HttpExchange ex, ProviderControl p) throws IOException {
        Dialect d = p.dialect();
        byte[] raw = ex.getRequestBody().readAllBytes();
        String secret = bearer(ex, p.kind());
        if (secret == null) {
            answer(ex, key(p, null, null, "?"), d.missingKey(), 0, 0, 0);
            return;
        }
        ProviderControl.KeyEntry key = p.resolve(secret);
        String model = peekModel(raw, p.kind());
        KeyState state = key == null ? KeyState.DEAD : p.stateOf(key);
        if (state != KeyState.ACTIVE) {
            answer(ex, key(p, key, secret, model), d.keyRejected(state, secret, key == null ? null : key.scope), 0, 0, 0);
            return;
        }
        ChatRequest request;
        try {
            request = ChatRequest.parse(Dialect.JSON.readTree(raw));
        } catch (JsonProcessingException e) {
            answer(ex, key(p, key, secret, model), d.badRequest("request body is not valid JSON: "
                    + e.getOriginalMessage()), 0, 0, 0);
            return;
        } catch (IllegalArgumentException e) {
            answer(ex, key(p, key, secret, model), d.badRequest(e.getMessage()), 0, 0, 0);
            return;
        }
        SimStats.Key row = key(p, key, secret, model);
        Instant now = clock.instant();
        String served = p.servingModel(model);
        boolean accountWide = p.isAccountWide(served);
        int cached = p.cachedPrompt(key.scope, served, request, now);
        Turn turn = new Turn(request, model, key.scope, now, null, p.config().thinkingTokens(), accountWide,
                p.highBalance(), served, p.longDayRetryDelay(), cached);
        turn = new Turn(request, model, key.scope, now, d.newId(turn), turn.thinkingTokens(), accountWide,
                turn.highBalance(), served, turn.longDayRetryDelay(), cached);
        SimLimits limits = p.limitsFor(served, key.scope);
        if (p.isGone(served)) {
            // a shut-down model the provider no longer knows at all answers its plain "not found"
            answer(ex, row, p.config().goneAsNotFound().contains(served) ? d.modelNotFound(model) : d.modelGone(model), 0, 0, 0);
            return;
        }
        if (p.hasNoFreeTier(served, key.scope)) {
            answer(ex, row, d.noFreeTier(turn), 0, 0, 0);
            return;
        }
        if (limits == null) {
            answer(ex, row, d.modelNotFound(model), 0, 0, 0);
            return;
        }
        if (request.usesTools() && p.lacksToolSupport(served)) {
            answer(ex, row, d.noEndpointForRequest(model, "tool use"), 0, 0, 0);
            return;
        }
        Integer window = p.config().contextWindows().get(served);
        if (window != null && request.promptTokens() + Math.max(0, request.maxCompletion()) > window) {
            answer(ex, row, d.contextTooLong(model, request.promptTokens() + Math.max(0, request.maxCompletion()), window), 0, 0, 0);
            return;
        }

        FaultKind fault = p.nextFault();
        if (fault != null && fault.type() == FaultKind.Type.SLOW) {
            pause(fault.delay());
            fault = null;
        }
        if (fault != null && fault.type() == FaultKind.Type.RESET_CONNECTION) {
            stats.record(row, Outcome.ERROR, 0, 0, 0);
            ex.close();  // before any response header: the server drops the connection without a byte
            return;
        }
        if (fault != null && !fault.type().hostile() && !(fault.type() == FaultKind.Type.MID_STREAM_ERROR && request.stream())) {
            FaultKind shown = fault.type() == FaultKind.Type.MID_STREAM_ERROR ? FaultKind.INTERNAL_500 : fault;
            answer(ex, row, d.fault(shown, turn), 0, 0, 0);
            return;
        }

        SimLimits applied = accountWide ? p.freeModelLimits() : limits;
        // Cerebras takes prompt + max_completion_tokens (16,384 when absent) from its token limits when it
        // admits a request, whatever the answer then costs; Gemini's token quotas count input tokens
        // only (generate_content_free_tier_input_token_count); the others count prompt + completion.
        long charged = switch (p.kind()) {
            case CEREBRAS -> request.cerebrasReservation();
            case GEMINI -> request.promptTokens();
            // Groq: "cached tokens do not count toward limits"
            case GROQ -> request.chargedTokens() - turn.cachedTokens();
            default -> request.chargedTokens();
        };
        if (accountWide && !limits.equals(SimLimits.UNLIMITED)) {
            // a :free model's own caps (OpenRouter's per-model daily and minute limits) come before the
            // account's free budget, and their 429 is the per-model one, with its own reset
            Bucket.Decision own = p.modelBucket(key.scope, served).admit(limits, charged, now.toEpochMilli());
            if (own instanceof Bucket.Limited l) {
                Turn perModel = new Turn(request, model, key.scope, now, turn.id(), turn.thinkingTokens(), false,
                        turn.highBalance(), served, turn.longDayRetryDelay());
                answer(ex, row, d.rateLimited(perModel, l), 0, 0, 0);
                return;
            }
        }
        Bucket.Decision decision = p.bucket(key.scope, served).admit(applied, charged, now.toEpochMilli());
        if (decision instanceof Bucket.Limited l) {
            answer(ex, row, d.rateLimited(turn, l), 0, 0, 0);
            return;
        }
        if (decision instanceof Bucket.TooLarge t) {
            answer(ex, row, d.tooLarge(turn, t), 0, 0, 0);
            return;
        }
        pause(latency);
        p.rememberPrompt(key.scope, served, request, now);
        Map<String, String> headers = new LinkedHashMap<>(d.rateLimitHeaders(decision.snapshot()));
        headers.putAll(d.successHeaders(turn));
        int total = turn.prompt() + turn.completion() + turn.thinkingTokens() * (p.kind() == ProviderKind.GEMINI ? 1 : 0);
        if (fault != null && fault.type().hostile() && fault.type() != FaultKind.Type.STREAM_IGNORED) {
            stats.record(row, Outcome.ERROR, 0, 0, 0);
            HostileAnswers.send(ex, fault.type(), request.stream(), p);
            return;
        }
        if (request.stream() && (fault == null || fault.type() != FaultKind.Type.STREAM_IGNORED)) {
            boolean failMidway = fault != null;
            if (failMidway) {
                stats.record(row, Outcome.ERROR, 0, 0, 0);
            } else {
                stats.record(row, Outcome.SUCCESS, turn.prompt(), turn.completion(), total);
            }
            stream(ex, headers, failMidway ? d.midStreamErrorFrames(turn) : d.streamFrames(turn));
        } else {
            ObjectNode body = d.completion(turn);
            answer(ex, row, Reply.json(200, body, Outcome.SUCCESS).headers(headers), turn.prompt(), turn.completion(), total);
        }
    }

    private void models(HttpExchange ex, ProviderControl p) throws IOException {
        if (p.kind() != ProviderKind.OPENROUTER) {
            String secret = bearer(ex, p.kind());
            ProviderControl.KeyEntry key = secret == null ? null : p.resolve(secret);
            if (secret == null) {
                send(ex, p.dialect().missingKey());
                return;
            }
            KeyState state = key == null ? KeyState.DEAD : p.stateOf(key);
            if (state != KeyState.ACTIVE) {
                send(ex, p.dialect().keyRejected(state, secret, key == null ? null : key.scope));
                return;
            }
        }
        send(ex, Reply.json(200, p.dialect().models(p.listedModels(), clock.instant().getEpochSecond()), Outcome.SUCCESS));
    }

    /** OpenRouter's {@code GET /key} and {@code GET /credits}: they authenticate the key (401 when revoked). */
    private void account(HttpExchange ex, ProviderControl p, boolean keyInfo) throws IOException {
        String secret = bearer(ex, p.kind());
        if (secret == null) {
            send(ex, p.dialect().missingKey());
            return;
        }
        ProviderControl.KeyEntry key = p.resolve(secret);
        KeyState state = key == null ? KeyState.DEAD : p.stateOf(key);
        if (state == KeyState.DEAD) {
            send(ex, p.dialect().keyRejected(KeyState.DEAD));
            return;
        }
        OpenRouterDialect d = (OpenRouterDialect) p.dialect();
        if (keyInfo) {
            long now = clock.instant().toEpochMilli();
            long used = p.bucket(key.scope, ":free").dayRequests(now);
            long limit = p.freeModelLimits().rpd();
            send(ex, Reply.json(200, d.keyInfo(key.mask, state == KeyState.KEY_LIMIT, p.highBalance(),
                    limit == SimLimits.NONE ? -1 : limit, used), Outcome.SUCCESS));
        } else {
            send(ex, Reply.json(200, d.credits(state == KeyState.NO_CREDIT, p.highBalance()), Outcome.SUCCESS));
        }
    }

    private void answer(HttpExchange ex, SimStats.Key row, Reply reply, long prompt, long completion, long total)
            throws IOException {
        stats.record(row, reply.outcome(), prompt, completion, total);
        send(ex, reply);
    }

    private static void send(HttpExchange ex, Reply reply) throws IOException {
        reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        if (body.length > 0) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
        }
        ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private void stream(HttpExchange ex, Map<String, String> headers, List<String> frames) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                pause(chunkInterval);
            }
            out.write(frames.get(i).getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        out.close();
    }

    private SimStats.Key key(ProviderControl p, ProviderControl.KeyEntry key, String secret, String model) {
        if (key != null) {
            return new SimStats.Key(p.kind().id(), key.index, key.mask, key.scope, model);
        }
        return new SimStats.Key(p.kind().id(), 0, SimKey.mask(secret), "-", model);
    }

    /** The model as the stats and bodies show it; Gemini's {@code models/} prefix is dropped. */
    private static String peekModel(byte[] raw, ProviderKind kind) {
        try {
            JsonNode m = Dialect.JSON.readTree(raw).path("model");
            return m.isTextual() ? normalize(m.asText(), kind) : "?";
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String normalize(String model, ProviderKind kind) {
        return kind == ProviderKind.GEMINI && model.startsWith("models/") ? model.substring(7) : model;
    }

    private static String bearer(HttpExchange ex, ProviderKind kind) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && !auth.substring(7).isBlank()) {
            return auth.substring(7).trim();
        }
        if (kind == ProviderKind.GEMINI) {
            String goog = ex.getRequestHeaders().getFirst("x-goog-api-key");
            if (goog != null && !goog.isBlank()) {
                return goog.trim();
            }
            URI uri = ex.getRequestURI();
            String q = uri.getRawQuery();
            if (q != null) {
                for (String part : q.split("&")) {
                    if (part.toLowerCase(Locale.ROOT).startsWith("key=") && part.length() > 4) {
                        return URLDecoder.decode(part.substring(4), StandardCharsets.UTF_8);
                    }
                }
            }
        }
        return null;
    }

    private static void pause(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
