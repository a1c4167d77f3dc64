package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Limits.Span;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Gemini API, native and OpenAI-compatible endpoints: Google's {@code {"error":{code,message,status,
 * details}}} (the compat endpoint wraps it in a JSON array; {@link ErrorBody} unwraps it).
 *
 * <p>A 429 is judged by {@code QuotaFailure.violations[].quotaId}: {@code …PerDay…} parks the project
 * and model until the next midnight in America/Los_Angeles and <b>ignores</b> the short
 * {@code RetryInfo.retryDelay} that comes with it; {@code …PerMinute…} waits the retryDelay. A quota
 * of zero ({@code limit: 0}, {@code quotaValue "0"}) means the model has no free tier on this project:
 * MODEL_UNAVAILABLE. A bad key is a <b>400</b> with {@code ErrorInfo.reason API_KEY_INVALID}.
 */
final class GeminiProfile extends BaseProfile {

    static final DailyReset DAILY_RESET = DailyReset.midnight(ZoneId.of("America/Los_Angeles"));

    private static final Pattern LIMIT_ZERO = Pattern.compile("(?i)\\blimit:\\s*0(?![\\d.])");
    private static final Pattern KEY_TEXT = Pattern.compile("(?i)\\bapi key (?:not valid|not found|expired)");

    GeminiProfile() {
        super("gemini");
    }

    @Override
    Outcome specific(Answer a) {
        ErrorBody b = a.body();
        int s = a.status();
        String reason = errorInfoReason(b);
        String msg = b.lowerMessage();
        if (reason.equals("API_KEY_INVALID") || s == 400 && KEY_TEXT.matcher(b.message()).find()) {
            return a.outcome(OutcomeKind.KEY_INVALID, "API key invalid");
        }
        if (s == 403) {
            if (msg.contains("reported as leaked")) {
                return a.outcome(OutcomeKind.KEY_SUSPENDED, "key reported as leaked");
            }
            if (msg.contains("project has been denied") || reason.equals("CONSUMER_SUSPENDED")) {
                return a.outcome(OutcomeKind.KEY_SUSPENDED, "project denied access").withScopeWide(true);
            }
            if (reason.equals("API_KEY_SERVICE_BLOCKED") || msg.contains("requests to this api") && msg.contains("are blocked")) {
                return a.outcome(OutcomeKind.KEY_SUSPENDED, "the key's restrictions block this API");
            }
        }
        if (s == 400 && (b.status().equals("FAILED_PRECONDITION") || msg.contains("location is not supported"))) {
            return a.outcome(OutcomeKind.REQUEST_INVALID, "not available from this location or tier");
        }
        if (s == 404 && StatusRules.modelGone(a)) {
            return a.outcome(OutcomeKind.MODEL_UNAVAILABLE, "model unavailable");
        }
        if (b.status().equals("UNAVAILABLE") && s >= 500) {
            return StatusRules.overloaded(a, "model overloaded");
        }
        return s == 429 ? quota(a) : null;
    }

    private Outcome quota(Answer a) {
        ErrorBody b = a.body();
        JsonNode violations = detail(b, "QuotaFailure").path("violations");
        boolean zero = LIMIT_ZERO.matcher(b.message()).find();
        Metric day = null;
        Metric other = null;
        for (JsonNode v : violations) {
            String id = ErrorBody.text(v.path("quotaId"));
            if (ErrorBody.text(v.path("quotaValue")).strip().equals("0")) zero = true;
            Span span = id.contains("PerDay") ? Span.DAY : id.contains("PerHour") ? Span.HOUR
                    : id.contains("PerMinute") ? Span.MINUTE : null;
            if (span == null) continue;
            boolean tokens = (id + ErrorBody.text(v.path("quotaMetric"))).toLowerCase(Locale.ROOT).contains("token");
            if (span == Span.DAY) day = day != null ? day : Metric.of(span, tokens);
            else other = other != null && other.span() == Span.HOUR ? other : Metric.of(span, tokens);
        }
        if (zero) {
            return a.outcome(OutcomeKind.MODEL_UNAVAILABLE, "no quota for this model on this project (limit 0)");
        }
        if (day != null) {
            return a.quotaExhausted(day, DAILY_RESET.nextReset(a.now()), "daily quota exhausted (" + day + ")");
        }
        Duration wait = Answer.firstOf(a.retryAfterHeader(), retryDelay(b), a.textWait());
        return a.rateLimited(other, wait, other == null ? "resource exhausted" : "rate limited (" + other + ")");
    }

    private static Optional<Duration> retryDelay(ErrorBody b) {
        return RetryDelays.protobufDuration(ErrorBody.text(detail(b, "RetryInfo").path("retryDelay")));
    }

    private static String errorInfoReason(ErrorBody b) {
        return ErrorBody.text(detail(b, "ErrorInfo").path("reason"));
    }

    /** The first {@code details[]} entry whose {@code @type} ends with {@code google.rpc.<type>}. */
    private static JsonNode detail(ErrorBody b, String type) {
        for (JsonNode d : b.error().path("details")) {
            if (ErrorBody.text(d.path("@type")).endsWith("google.rpc." + type)) return d;
        }
        return MissingNode.getInstance();
    }
}
