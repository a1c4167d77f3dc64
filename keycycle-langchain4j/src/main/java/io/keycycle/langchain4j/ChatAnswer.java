package io.keycycle.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponse;
import io.keycycle.core.ProviderResponse;
import io.keycycle.core.pool.ProviderAnswer;

/** A delegate's answer, handed to the pool for settlement (usage, rate-limit headers). */
record ChatAnswer(ChatResponse chat, ProviderResponse response) implements ProviderAnswer {

    static ChatAnswer of(ChatResponse chat) {
        return new ChatAnswer(chat, Answers.of(chat));
    }
}
