package io.keycycle.core.classify;

import io.keycycle.core.OutcomeKind;
import io.keycycle.core.Outcome;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The rules every profile falls back to once its own structured rules are done: what an HTTP status
 * means for an OpenAI-compatible provider. Provider profiles run first and return only what they
 * recognise.
 */
final class StatusRules {

    /** Cloudflare's own 1xxx error pages ("error code: 1010") come before the provider sees the request. */
    private static final Pattern CLOUDFLARE = Pattern.compile("(?i)error code:?\\s*10\\d\\d(?!\\d)");

    private StatusRules() {
    }

    static boolean cloudflareBlock(Answer a) {
        String text = a.body().text();
        return CLOUDFLARE.matcher(text.length() > 2048 ? text.substring(0, 2048) : text).find();
    }

    static Outcome byStatus(Answer a) {
        int s = a.status();
        if (s == 403 && cloudflareBlock(a)) {
            return a.outcome(OutcomeKind.TRANSIENT,
                    "client blocked by Cloudflare before reaching the provider (not a key fault; check the User-Agent)");
        }
        return switch (s) {
            case 400 -> a.outcome(OutcomeKind.REQUEST_INVALID, "request rejected (400)");
            case 401 -> a.outcome(OutcomeKind.KEY_INVALID, "key rejected (401)");
            case 402 -> a.outcome(OutcomeKind.PAYMENT, "payment required (402)").withScopeWide(true);
            // a key-level 403 is recognised by each profile from the provider's documented signals; any
            // other 403 (region, moderation, permissions on a resource) is about this request
            case 403 -> a.outcome(OutcomeKind.REQUEST_INVALID, "access denied for this request (403; the key stays in service)");
            case 404 -> a.body().text().isBlank()
                    ? a.outcome(OutcomeKind.REQUEST_INVALID, "endpoint not found (404 with empty body; check the base URL)")
                    : modelGone(a) ? a.outcome(OutcomeKind.MODEL_UNAVAILABLE, "model not found (404)")
                    : a.outcome(OutcomeKind.REQUEST_INVALID, "not found (404; about this request, not the model)");
            case 408 -> a.outcome(OutcomeKind.TRANSIENT, "request timeout (408)");
            case 413 -> a.outcome(OutcomeKind.REQUEST_INVALID, "request too large (413)");
            case 422 -> a.outcome(OutcomeKind.REQUEST_INVALID, "request validation failed (422)");
            case 425, 499 -> a.outcome(OutcomeKind.TRANSIENT, "request not processed (" + s + ")");
            case 429 -> rateLimit(a);
            case 498 -> overloaded(a, "provider capacity exceeded (498)");
            case 503, 529 -> overloaded(a, "provider overloaded (" + s + ")");
            default -> s >= 500 && s <= 599 ? a.outcome(OutcomeKind.TRANSIENT, "provider error (" + s + ")")
                    : s >= 400 && s <= 499 ? a.outcome(OutcomeKind.REQUEST_INVALID, "request rejected (" + s + ")")
                    : a.outcome(OutcomeKind.TRANSIENT, "unexpected HTTP status " + s);
        };
    }

    /**
     * True when a 404 (or 400) says the model itself is gone or unknown — {@code model_not_found},
     * {@code model_decommissioned}, {@code param: "model"}, or a message naming the model as not
     * found / not existing / no longer available — as opposed to something this request asked for.
     */
    static boolean modelGone(Answer a) {
        ErrorBody b = a.body();
        if (b.codeIs("model_not_found") || b.codeIs("model_decommissioned") || b.param().equalsIgnoreCase("model")) return true;
        String m = b.lowerMessage();
        return m.contains("model") && (m.contains("not found") || m.contains("does not exist") || m.contains("no longer")
                || m.contains("decommission") || m.contains("not available") || m.contains("unknown model"));
    }

    static Outcome overloaded(Answer a, String summary) {
        return a.outcome(OutcomeKind.OVERLOADED, summary).withRetryAfter(a.retryAfterHeader().orElse(null));
    }

    /**
     * A 429 of an OpenAI-compatible provider: OpenAI's {@code insufficient_quota} is a billing state;
     * otherwise the metric comes from the message, the wait from {@code retry-after} or the text, and a
     * daily window means QUOTA_EXHAUSTED for that wait (a day when none is given).
     */
    static Outcome rateLimit(Answer a) {
        if (a.body().codeIs("insufficient_quota")) {
            return a.outcome(OutcomeKind.PAYMENT, "out of credits (insufficient_quota)").withScopeWide(true);
        }
        TrippedWindow w = TrippedWindow.fromText(a.body().messageOrText());
        Duration wait = Answer.firstOf(a.retryAfterHeader(), a.textWait());
        if (w != null && w.daily()) {
            Duration d = wait != null ? wait : Duration.ofDays(1);
            return a.quotaExhausted(w.metric(), a.now().plus(d), "daily quota exhausted (" + w.label() + ")");
        }
        return a.rateLimited(w == null ? null : w.metric(), wait,
                w == null ? "rate limited" : "rate limited (" + w.label() + ")");
    }
}
