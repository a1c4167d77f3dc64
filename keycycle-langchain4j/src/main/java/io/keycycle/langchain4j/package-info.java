/**
 * LangChain4j on Keycycle: a {@link dev.langchain4j.model.chat.ChatModel} and a
 * {@link dev.langchain4j.model.chat.StreamingChatModel} whose every call goes through
 * {@link io.keycycle.Keycycle#call}, so admission, key rotation, tier fallback and the single retry
 * loop are the engine's, not LangChain4j's.
 *
 * <p>Each call is carried out by a plain LangChain4j {@code OpenAiChatModel} (or
 * {@code OpenAiStreamingChatModel}) built for one provider, model and key, pointed at the provider's
 * OpenAI-compatible base URL, with {@code maxRetries(0)} and cached. Its HTTP transport is this
 * package's own: unlike LangChain4j's stock clients it keeps the status, headers and body of an
 * error answer ({@link io.keycycle.langchain4j.ProviderStatusException}), so the provider profile
 * reads {@code retry-after}, {@code x-ratelimit-*} and the error body exactly as it does for the
 * gateway. Successful answers settle the reservation with the provider's reported usage.
 *
 * <p>The front doors are {@link io.keycycle.langchain4j.KeycycleChatModels#of} and
 * {@link io.keycycle.langchain4j.RotatingChatModel#builder()}. Everything else here is
 * package-private.
 */
package io.keycycle.langchain4j;
