package io.keycycle.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.Usage;

import java.util.Map;

/** Conversions between LangChain4j values and what the engine classifies. */
final class Answers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Answers() {
    }

    /**
     * The answer as the provider profile should judge it: the raw HTTP answer when LangChain4j kept
     * it (status, rate-limit headers, body with usage), else a 200 whose body holds just the usage.
     */
    static ProviderResponse of(ChatResponse response) {
        if (response.metadata() instanceof OpenAiChatResponseMetadata m && m.rawHttpResponse() != null) {
            SuccessfulHttpResponse raw = m.rawHttpResponse();
            return new ProviderResponse(raw.statusCode(), raw.headers(), raw.body());
        }
        return usageOnly(response.tokenUsage());
    }

    /**
     * The {@code error} event of a stream LangChain4j reported as complete (it ignores them), as the
     * failure it is: status from {@code error.code} when that is an HTTP status, else 502. Null when
     * the stream carried no error event or LangChain4j kept no raw events.
     */
    static ProviderStatusException midStreamError(String provider, ChatResponse response) {
        if (!(response.metadata() instanceof OpenAiChatResponseMetadata m) || m.rawServerSentEvents() == null) return null;
        for (ServerSentEvent e : m.rawServerSentEvents()) {
            String data = e.data();
            if (data == null || !data.contains("\"error\"")) continue;
            try {
                JsonNode error = JSON.readTree(data).get("error");
                if (error == null || error.isNull()) continue;
                JsonNode code = error.path("code");
                int status = code.canConvertToInt() && code.asInt() >= 400 && code.asInt() <= 599 ? code.asInt() : StreamAnswer.BROKEN_STREAM_STATUS;
                return new ProviderStatusException(provider, new ProviderResponse(status, Map.of(), data));
            } catch (java.io.IOException notJson) {
                // not an error event after all
            }
        }
        return null;
    }

    /** A 200 answer carrying only {@code usage} ({@code {}} when the provider reported none). */
    static ProviderResponse usageOnly(TokenUsage t) {
        Usage u = usage(t);
        String body = u == null ? "{}" : io.keycycle.core.client.UsageReader.asBody(u);
        return new ProviderResponse(200, Map.of(), body);
    }

    /** The engine's usage for a LangChain4j one; null when it carries no counts. */
    static Usage usage(TokenUsage t) {
        if (t == null || (t.inputTokenCount() == null && t.outputTokenCount() == null && t.totalTokenCount() == null)) return null;
        long in = t.inputTokenCount() == null ? 0 : Math.max(0, t.inputTokenCount());
        long out = t.outputTokenCount() == null ? 0 : Math.max(0, t.outputTokenCount());
        long total = t.totalTokenCount() == null ? in + out : Math.max(0, t.totalTokenCount());
        long cached = 0;
        // an OpenAI-compatible answer's prompt_tokens_details.cached_tokens (Groq's limits leave them out)
        if (t instanceof dev.langchain4j.model.openai.OpenAiTokenUsage o && o.inputTokensDetails() != null
                && o.inputTokensDetails().cachedTokens() != null) {
            cached = Math.max(0, o.inputTokensDetails().cachedTokens());
        }
        return new Usage(in, out, total, cached);
    }

    /** The request with the candidate's model: the target, not the request, decides the model. */
    static ChatRequest forModel(ChatRequest request, String model) {
        ChatRequestParameters p = request.parameters();
        if (model.equals(p.modelName())) return request;
        return ChatRequest.builder()
                .messages(request.messages())
                .parameters(p.overrideWith(ChatRequestParameters.builder().modelName(model).build()))
                .build();
    }
}
