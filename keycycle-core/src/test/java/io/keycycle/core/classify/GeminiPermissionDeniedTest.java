package io.keycycle.core.classify;

import io.keycycle.core.Outcome;
import io.keycycle.core.OutcomeKind;
import io.keycycle.core.ProviderProfile;
import io.keycycle.core.ProviderResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gemini's 403 {@code PERMISSION_DENIED} answers about a consumer: a suspended key or project
 * ({@code CONSUMER_SUSPENDED}) and the API not enabled for the project ({@code SERVICE_DISABLED}).
 * The bodies follow Google's shape as users have posted it (keys and project numbers made up); each
 * is tried as the native endpoint sends it and array-wrapped as the OpenAI-compatible one does.
 */
class GeminiPermissionDeniedTest {

    final ProviderProfile gemini = ProviderProfiles.forProvider("gemini");

    static final String FAKE_KEY = "fake-gemini-test-key-not-real-000";

    /** The usual capture: the message names the key, {@code metadata.consumer} the key's project. */
    static final String KEY_SUSPENDED = """
            {"error":{"code":403,
             "message":"Permission denied: Consumer 'api_key:%s' has been suspended.",
             "status":"PERMISSION_DENIED",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"CONSUMER_SUSPENDED","domain":"googleapis.com",
                         "metadata":{"service":"generativelanguage.googleapis.com","consumer":"projects/578829824020"}}]}}"""
            .formatted(FAKE_KEY);

    static final String PROJECT_SUSPENDED = """
            {"error":{"code":403,
             "message":"Permission denied: Consumer 'projects/578829824020' has been suspended.",
             "status":"PERMISSION_DENIED",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"CONSUMER_SUSPENDED","domain":"googleapis.com",
                         "metadata":{"service":"generativelanguage.googleapis.com","consumer":"projects/578829824020"}}]}}""";

    static final String SERVICE_DISABLED = """
            {"error":{"code":403,
             "message":"Generative Language API has not been used in project 411082643095 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=411082643095 then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.",
             "status":"PERMISSION_DENIED",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com",
                         "metadata":{"consumer":"projects/411082643095","service":"generativelanguage.googleapis.com","containerInfo":"411082643095",
                                     "serviceTitle":"Generative Language API",
                                     "activationUrl":"https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=411082643095"}},
                        {"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"Generative Language API has not been used in project 411082643095 before or it is disabled."},
                        {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Google developers console API activation",
                          "url":"https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=411082643095"}]}]}}""";

    static final String SERVICE_BLOCKED = """
            {"error":{"code":403,
             "message":"Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked.",
             "status":"PERMISSION_DENIED",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_SERVICE_BLOCKED","domain":"googleapis.com",
                         "metadata":{"consumer":"projects/578829824020","service":"generativelanguage.googleapis.com"}}]}}""";

    static String messageOnly(String message) {
        return GeminiProfileTest.google(403, "PERMISSION_DENIED", message);
    }

    /** body, kind, whole project?, words the reason must hold */
    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of(KEY_SUSPENDED, OutcomeKind.KEY_SUSPENDED, false, "API key suspended"),
                // without ErrorInfo: the message alone
                Arguments.of(messageOnly("Permission denied: Consumer 'api_key:" + FAKE_KEY + "' has been suspended."),
                        OutcomeKind.KEY_SUSPENDED, false, "API key suspended"),
                Arguments.of(messageOnly("Consumer 'api_key:" + FAKE_KEY + "' has been suspended."),
                        OutcomeKind.KEY_SUSPENDED, false, "API key suspended"),
                Arguments.of(PROJECT_SUSPENDED, OutcomeKind.KEY_SUSPENDED, true, "projects/578829824020 suspended"),
                Arguments.of(messageOnly("Permission denied: Consumer 'projects/578829824020' has been suspended."),
                        OutcomeKind.KEY_SUSPENDED, true, "projects/578829824020 suspended"),
                // the reason with no consumer in the message: metadata.consumer decides
                Arguments.of(KEY_SUSPENDED.replace("Consumer 'api_key:" + FAKE_KEY + "' has been suspended.", "Consumer suspended."),
                        OutcomeKind.KEY_SUSPENDED, true, "projects/578829824020 suspended"),
                Arguments.of(KEY_SUSPENDED.replace("Consumer 'api_key:" + FAKE_KEY + "' has been suspended.", "Consumer suspended.")
                                .replace("projects/578829824020", "api_key:" + FAKE_KEY),
                        OutcomeKind.KEY_SUSPENDED, false, "API key suspended"),
                Arguments.of(SERVICE_DISABLED, OutcomeKind.KEY_SUSPENDED, true, "enable it for the project"),
                Arguments.of(SERVICE_DISABLED, OutcomeKind.KEY_SUSPENDED, true, "projects/411082643095"),
                // the message alone, as a client library may pass it on
                Arguments.of(messageOnly("Generative Language API has not been used in project 411082643095 before or it is disabled. "
                        + "Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=411082643095 then retry."),
                        OutcomeKind.KEY_SUSPENDED, true, "projects/411082643095"),
                Arguments.of(SERVICE_BLOCKED, OutcomeKind.KEY_SUSPENDED, false, "restrictions block this API"),
                Arguments.of(messageOnly("Requests to this API generativelanguage.googleapis.com method "
                        + "google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked."),
                        OutcomeKind.KEY_SUSPENDED, false, "restrictions block this API"),
                Arguments.of(messageOnly("Your project has been denied access. Please contact support."),
                        OutcomeKind.KEY_SUSPENDED, true, "project denied access"),
                // other 403s stay about the request
                Arguments.of(messageOnly("You do not have permission to access the File abc123 or it may not exist."),
                        OutcomeKind.REQUEST_INVALID, false, "403"));
    }

    @ParameterizedTest(name = "[{index}] native -> {1} scopeWide={2}")
    @MethodSource("bodies")
    void nativeBody(String body, OutcomeKind kind, boolean scopeWide, String words) {
        check(gemini.classify(ProviderResponse.of(403, body), GeminiProfileTest.NOW), kind, scopeWide, words);
    }

    @ParameterizedTest(name = "[{index}] compat array -> {1} scopeWide={2}")
    @MethodSource("bodies")
    void compatArrayBody(String body, OutcomeKind kind, boolean scopeWide, String words) {
        check(gemini.classify(ProviderResponse.of(403, "[" + body + "]"), GeminiProfileTest.NOW), kind, scopeWide, words);
    }

    @Test
    void aSuspendedKeyIsNamedInTheReasonWithoutItsSecret() {
        Outcome o = gemini.classify(ProviderResponse.of(403, KEY_SUSPENDED), GeminiProfileTest.NOW);
        assertThat(o.reason()).startsWith("API key suspended").doesNotContain(FAKE_KEY).doesNotContain("not-real");
    }

    private static void check(Outcome o, OutcomeKind kind, boolean scopeWide, String words) {
        assertThat(o.kind()).isEqualTo(kind);
        assertThat(o.scopeWide()).as("whole project").isEqualTo(scopeWide);
        assertThat(o.status()).isEqualTo(403);
        assertThat(o.reason()).contains(words);
    }
}
