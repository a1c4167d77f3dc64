package io.keycycle.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;

import java.util.List;

/**
 * Tokens to reserve for a {@link ChatRequest}, by the same rule as the engine's
 * {@code TokenEstimator} for JSON bodies: per message {@code ceil(chars/4) + 4} (text, tool-call
 * names and arguments, tool result ids), plus {@code ceil(chars/4)} of the tool definitions, plus
 * {@code maxOutputTokens} (or the OpenAI parameters' {@code maxCompletionTokens}) or, when the request sets none, the configured completion budget.
 * Images and audio are not counted; the provider's usage replaces the reservation afterwards.
 */
final class RequestEstimate {

    static final int TOKENS_PER_MESSAGE = 4;

    private RequestEstimate() {
    }

    static long reservation(ChatRequest request, long completionBudget) {
        return spec(io.keycycle.CallSpec.DEFAULT.withEstimatedTokens(completionBudget), request).estimatedTokens();
    }

    /**
     * {@code base} with this request's reservation and its shape (prompt estimate, completion
     * limit), so that each candidate reserves what its provider counts (Cerebras: prompt + the
     * completion limit, 16,384 when the request sets none).
     */
    static io.keycycle.CallSpec spec(io.keycycle.CallSpec base, ChatRequest request) {
        long promptTokens = promptTokens(request);
        return base.withRequest(promptTokens, maxTokens(request));
    }

    /**
     * The completion limit the request sends: {@code maxOutputTokens} ({@code max_tokens}) or the
     * OpenAI parameters' {@code maxCompletionTokens} ({@code max_completion_tokens}), the larger when
     * both are set, as the engine reads a JSON body; empty when neither is.
     */
    static java.util.OptionalLong maxTokens(ChatRequest request) {
        long max = -1;
        Integer output = request.maxOutputTokens();
        if (output != null) max = Math.max(max, output);
        if (request.parameters() instanceof OpenAiChatRequestParameters o && o.maxCompletionTokens() != null) {
            max = Math.max(max, o.maxCompletionTokens());
        }
        return max >= 0 ? java.util.OptionalLong.of(max) : java.util.OptionalLong.empty();
    }

    static long promptTokens(ChatRequest request) {
        long tokens = 0;
        for (ChatMessage m : request.messages()) {
            tokens += ceilQuarter(chars(m)) + TOKENS_PER_MESSAGE;
        }
        List<ToolSpecification> tools = request.toolSpecifications();
        if (tools != null) {
            long chars = 0;
            for (ToolSpecification t : tools) {
                chars += len(t.name()) + len(t.description()) + (t.parameters() == null ? 0 : t.parameters().toString().length());
            }
            tokens += ceilQuarter(chars);
        }
        return tokens;
    }

    private static long chars(ChatMessage m) {
        if (m instanceof SystemMessage s) return len(s.text());
        if (m instanceof UserMessage u) {
            long n = len(u.name());
            for (Content c : u.contents()) {
                if (c instanceof TextContent t) n += len(t.text());
            }
            return n;
        }
        if (m instanceof AiMessage a) {
            long n = len(a.text());
            if (a.hasToolExecutionRequests()) {
                for (ToolExecutionRequest r : a.toolExecutionRequests()) n += len(r.id()) + len(r.name()) + len(r.arguments());
            }
            return n;
        }
        if (m instanceof ToolExecutionResultMessage t) return len(t.id()) + len(t.toolName()) + len(t.text());
        return len(m.toString());
    }

    private static long ceilQuarter(long chars) {
        return (chars + 3) / 4;
    }

    private static long len(String s) {
        return s == null ? 0 : s.length();
    }
}
