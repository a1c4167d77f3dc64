package io.keycycle.core.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.keycycle.core.DailyReset;
import io.keycycle.core.Limits.Metric;
import io.keycycle.core.Limits.Span;
import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.RateLimitObservation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * {@code RetryInfo.retryDelay} that comes with it — unless that delay is long (10 minutes or more),
 * which is the provider naming its own reset and is trusted; {@code …PerMinute…} waits the
 * retryDelay. Each violation's {@code quotaValue} is reported as an observation of the real limit,
 * with {@code quotaDimensions.model}: once Google routes a retired model to another, the quota
 * that ran out is the other model's. A quota
 * of zero ({@code limit: 0}, {@code quotaValue "0"}) means the project's billing tier has no quota for
 * the model: QUOTA_EXHAUSTED until the daily reset for every key of the answering key's key tier
 * ({@link Outcome#tierWide()}), not for keys of another tier. A bad key is a <b>400</b> with {@code ErrorInfo.reason API_KEY_INVALID}.
 */
final class GeminiProfile extends BaseProfile {

    static final DailyReset DAILY_RESET = DailyReset.midnight(ZoneId.of("America/Los_Angeles"));

    /** A day-quota retryDelay at least this long is the provider's reset, not the usual 25–60 s hint. */
    static final Duration LONG_DAY_DELAY = Duration.ofMinutes(10);

    private static final Pattern LIMIT_ZERO = Pattern.compile("(?i)\\blimit:\\s*0(?![\\d.])");
    private static final Pattern KEY_TEXT = Pattern.compile("(?i)\\bapi key (?:not valid|not found|expired)");

    GeminiProfile() {
        super("gemini");
    }

    /** Google's token quotas ({@code …InputTokensPerModelPerMinute}, {@code …PerDay}) count the prompt only. */
    @Override
    public boolean tokenLimitsCountInputOnly() { return true; }

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
        String quotaModel = null;
        List<Seen> seen = new ArrayList<>();
        for (JsonNode v : violations) {
            String id = ErrorBody.text(v.path("quotaId"));
            if (ErrorBody.text(v.path("quotaValue")).strip().equals("0")) zero = true;
            Span span = id.contains("PerDay") ? Span.DAY : id.contains("PerHour") ? Span.HOUR
                    : id.contains("PerMinute") ? Span.MINUTE : null;
            if (span == null) continue;
            boolean tokens = (id + ErrorBody.text(v.path("quotaMetric"))).toLowerCase(Locale.ROOT).contains("token");
            Metric metric = Metric.of(span, tokens);
            String model = ErrorBody.text(v.path("quotaDimensions").path("model")).strip();
            if (!model.isEmpty() && quotaModel == null) quotaModel = model.startsWith("models/") ? model.substring(7) : model;
            long value = RateLimitHeaders.count(ErrorBody.text(v.path("quotaValue")));
            if (value > 0) seen.add(new Seen(metric, value, model.isEmpty() ? null : quotaModel));
            if (span == Span.DAY) day = day != null ? day : metric;
            else other = other != null && other.span() == Span.HOUR ? other : metric;
        }
        if (zero) {
            // The project's billing tier has no quota for the model: every key of the same key tier
            // would answer the same, a key of another tier (a paid project) may not. Parked until the
            // provider's daily reset, when one call finds out whether the quota is still 0.
            Metric which = day != null ? day : other != null ? other : Metric.RPD;
            return a.quotaExhausted(which, DAILY_RESET.nextReset(a.now()),
                    "no quota for this model on this key's tier (limit 0)").withTierWide(true);
        }
        String of = quotaModel == null ? "" : " of " + quotaModel;
        Optional<Duration> delay = retryDelay(b);
        Outcome o;
        if (day != null) {
            // The quotaId decides, not the usual short retryDelay; but a long one (hours until the
            // provider's own reset, seen once in 2026 as "until 00:00 UTC") is the provider's word.
            Instant until = delay.filter(d -> d.compareTo(LONG_DAY_DELAY) >= 0).map(a.now()::plus)
                    .orElseGet(() -> DAILY_RESET.nextReset(a.now()));
            o = a.quotaExhausted(day, until, "daily quota exhausted (" + day + ")" + of);
        } else {
            Duration wait = Answer.firstOf(a.retryAfterHeader(), delay, a.textWait());
            o = a.rateLimited(other, wait, other == null ? "resource exhausted" : "rate limited (" + other + ")" + of);
        }
        if (seen.isEmpty()) return o;
        Duration resetIn = o.until() != null ? Duration.between(a.now(), o.until()) : o.retryAfter();
        List<RateLimitObservation> obs = new ArrayList<>();
        // remaining is not restated (-1): the outcome itself already holds the scope until the reset
        for (Seen x : seen) obs.add(new RateLimitObservation(x.metric, x.limit, -1, resetIn, x.model));
        return o.withObservations(obs);
    }

    /** One violation with a quota value: the provider's own limit for that window (and model). */
    private record Seen(Metric metric, long limit, String model) { }

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
