package io.keycycle.spring;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * Tokens to reserve for a {@link Prompt}, by the rule the engine applies to JSON bodies and the
 * LangChain4j models to theirs: per message {@code ceil(chars/4) + 4} (text, tool-call names and
 * arguments, tool results), plus {@code ceil(chars/4)} of the tool definitions, plus the request's
 * maximum output tokens or, when it sets none, the configured completion budget. The provider's
 * reported usage replaces the reservation afterwards.
 */
final class PromptEstimate {

    static final int TOKENS_PER_MESSAGE = 4;

    private PromptEstimate() {
    }

    /**
     * {@code base} with this prompt's reservation and its shape (prompt estimate, completion limit),
     * so that each candidate reserves what its provider counts (Cerebras: prompt + the completion
     * limit, 16,384 when the prompt sets none).
     */
    static io.keycycle.CallSpec spec(io.keycycle.CallSpec base, Prompt prompt) {
        Integer max = maxOutputTokens(prompt.getOptions());
        long promptTokens = promptTokens(prompt);
        return base.withRequest(promptTokens, max != null && max >= 0 ? java.util.OptionalLong.of(max) : java.util.OptionalLong.empty());
    }

    static long promptTokens(Prompt prompt) {
        long tokens = 0;
        for (Message m : prompt.getInstructions()) tokens += ceilQuarter(chars(m)) + TOKENS_PER_MESSAGE;
        if (prompt.getOptions() instanceof ToolCallingChatOptions t && t.getToolCallbacks() != null) {
            long chars = 0;
            for (ToolCallback c : t.getToolCallbacks()) {
                ToolDefinition d = c.getToolDefinition();
                chars += len(d.name()) + len(d.description()) + len(d.inputSchema());
            }
            tokens += ceilQuarter(chars);
        }
        return tokens;
    }

    private static Integer maxOutputTokens(ChatOptions options) {
        if (options == null) return null;
        if (options instanceof OpenAiChatOptions o && o.getMaxCompletionTokens() != null) return o.getMaxCompletionTokens();
        return options.getMaxTokens();
    }

    private static long chars(Message m) {
        long n = len(m.getText());
        if (m instanceof AssistantMessage a && a.hasToolCalls()) {
            for (AssistantMessage.ToolCall c : a.getToolCalls()) n += len(c.id()) + len(c.name()) + len(c.arguments());
        }
        if (m instanceof ToolResponseMessage t) {
            for (ToolResponseMessage.ToolResponse r : t.getResponses()) n += len(r.id()) + len(r.name()) + len(r.responseData());
        }
        return n;
    }

    private static long ceilQuarter(long chars) {
        return (chars + 3) / 4;
    }

    private static long len(String s) {
        return s == null ? 0 : s.length();
    }
}
