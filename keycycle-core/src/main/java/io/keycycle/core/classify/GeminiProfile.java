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
import java.util.regex.Matcher;
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
 *
 * <p>The 403 {@code PERMISSION_DENIED} answers that take a key out of service: a leaked key, a
 * suspended consumer ({@code CONSUMER_SUSPENDED}: the key alone when the message names
 * {@code api_key:…}, its project when it names {@code projects/…}), a denied project, the API not
 * enabled for the project ({@code SERVICE_DISABLED}, the whole project), and a key whose API
 * restrictions block the Generative Language API ({@code API_KEY_SERVICE_BLOCKED}, that key). Any
 * other 403 is about the request.
 */
final class GeminiProfile extends BaseProfile {

    static final DailyReset DAILY_RESET = DailyReset.midnight(ZoneId.of("America/Los_Angeles"));

    /** A day-quota retryDelay at least this long is the provider's reset, not the usual 25–60 s hint. */
    static final Duration LONG_DAY_DELAY = Duration.ofMinutes(10);

    private static final Pattern LIMIT_ZERO = Pattern.compile("(?i)\\blimit:\\s*0(?![\\d.])");
    private static final Pattern CONSUMER_TEXT = Pattern.compile("(?i)\\bconsumer '([^']+)' has been suspended");
    private static final Pattern SERVICE_DISABLED_TEXT =
            Pattern.compile("(?i)\\bhas not been used in project ([\\w-]+) before or it is disabled");
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
            Outcome suspended = consumerSuspended(a, reason);
            if (suspended != null) return suspended;
            if (msg.contains("project has been denied")) {
                return a.outcome(OutcomeKind.KEY_SUSPENDED, "project denied access").withScopeWide(true);
            }
            if (reason.equals("SERVICE_DISABLED") || SERVICE_DISABLED_TEXT.matcher(b.message()).find()) {
                return serviceDisabled(a);
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

    /**
     * 403 "Consumer '…' has been suspended" ({@code ErrorInfo.reason CONSUMER_SUSPENDED}). The consumer
     * the message names is what Google suspended: {@code api_key:…} is that key alone (the body's
     * {@code metadata.consumer} then still names the key's project, which is not suspended; a new key
     * of the same project works), {@code projects/…} the whole project. Without a consumer in the
     * message, {@code metadata.consumer} decides; with neither, the project, as before.
     */
    private static Outcome consumerSuspended(Answer a, String reason) {
        ErrorBody b = a.body();
        Matcher m = CONSUMER_TEXT.matcher(b.message());
        boolean named = m.find();
        if (!named && !reason.equals("CONSUMER_SUSPENDED")) return null;
        String consumer = named ? m.group(1).strip() : errorInfoMetadata(b, "consumer");
        if (consumer.startsWith("api_key:")) {
            // the message carries the key itself: never copied into the reason
            return a.outcome(OutcomeKind.KEY_SUSPENDED,
                    "API key suspended by Google (CONSUMER_SUSPENDED names this key; its project's other keys stay in service)");
        }
        String project = consumer.startsWith("projects/") ? " " + consumer : "";
        return a.outcome(OutcomeKind.KEY_SUSPENDED, "project" + project + " suspended by Google (CONSUMER_SUSPENDED)")
                .withScopeWide(true);
    }

    /**
     * 403 {@code SERVICE_DISABLED}: the Generative Language API is not enabled for the key's project.
     * Every key of the project gets the same answer until someone enables the API; the keys come back
     * when a probe finds them working.
     */
    private static Outcome serviceDisabled(Answer a) {
        ErrorBody b = a.body();
        String project = errorInfoMetadata(b, "consumer");
        if (project.isEmpty()) {
            Matcher m = SERVICE_DISABLED_TEXT.matcher(b.message());
            if (m.find()) project = "projects/" + m.group(1);
        }
        String which = project.isEmpty() ? "the key's project" : project;
        return a.outcome(OutcomeKind.KEY_SUSPENDED, "Generative Language API disabled for " + which
                + " (SERVICE_DISABLED): enable it for the project in the Google Cloud console").withScopeWide(true);
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

    private static String errorInfoMetadata(ErrorBody b, String field) {
        return ErrorBody.text(detail(b, "ErrorInfo").path("metadata").path(field)).strip();
    }

    /** The first {@code details[]} entry whose {@code @type} ends with {@code google.rpc.<type>}. */
    private static JsonNode detail(ErrorBody b, String type) {
        for (JsonNode d : b.error().path("details")) {
            if (ErrorBody.text(d.path("@type")).endsWith("google.rpc." + type)) return d;
        }
        return MissingNode.getInstance();
    }
}
