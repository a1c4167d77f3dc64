package io.keycycle.spring.example;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The example application of docs/spring.md: a ChatClient on the tier {@code fast}. Everything
 * Keycycle needs comes from properties and the environment:
 *
 * <pre>
 * keycycle.tiers.fast=cerebras/gpt-oss-120b,groq/openai/gpt-oss-20b
 * NUM_CEREBRAS=3, CEREBRAS_API_KEY_1..3, NUM_GROQ=3, GROQ_API_KEY_1..3
 * </pre>
 */
@SpringBootApplication
public class OpsAssistantApplication {

    // --8<-- [start:bean]
    @Bean
    ChatClient opsAssistant(@Qualifier("fast") ChatModel fast) {
        return ChatClient.builder(fast)
                .defaultSystem("You are a concise assistant for an operations team.")
                // Cerebras takes prompt + max tokens (16,384 when unset) from its tokens per minute
                // when a request arrives: a limit keeps short answers from costing a long one's share
                .defaultOptions(ChatOptions.builder().maxTokens(1024))
                .build();
    }
    // --8<-- [end:bean]
}
