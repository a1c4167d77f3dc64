/**
 * A small OpenAI-compatible chat client on {@link java.net.http.HttpClient}: the I/O edge the
 * engine's generic call API, the gateway and the demo use to reach Cerebras, Groq, Gemini's
 * OpenAI endpoint, OpenRouter or the simulator.
 *
 * <p>{@link io.keycycle.core.client.OpenAiCompatClient} posts a request body to
 * {@code {base}/chat/completions} with one key's secret and hands back what the provider said,
 * whatever it said: a non-2xx answer is a {@link io.keycycle.core.client.ChatResult} whose
 * {@link io.keycycle.core.ProviderResponse} (status, every header, body) goes to the provider
 * profile for classification; only I/O failures are thrown. Streaming reads the SSE body line by
 * line as it arrives ({@link io.keycycle.core.client.SseParser}), gives each {@code data:} payload
 * to the caller at once and verbatim, and ends with a {@link io.keycycle.core.client.StreamResult}
 * that holds the usage found in whichever chunk carried it and any mid-stream error event.
 * {@link io.keycycle.core.client.TokenEstimator} estimates what a request will cost so the engine
 * can reserve it before the call.
 *
 * <p>Nothing here decides anything: no retries, no key choice, no classification. The secret
 * goes into the {@code Authorization} header and nowhere else (not in logs, exceptions or
 * {@code toString}).
 */
package io.keycycle.core.client;
