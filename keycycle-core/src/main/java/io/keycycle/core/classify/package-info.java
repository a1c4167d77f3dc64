/**
 * Classification: what a provider's answer means for the key, its scope and the model.
 *
 * <p>{@link io.keycycle.core.classify.ProviderProfiles#forProvider(String)} hands out one
 * {@link io.keycycle.core.ProviderProfile} per provider (Cerebras, Groq, Gemini, OpenRouter, and a
 * generic OpenAI-compatible profile for the rest). A profile turns a status, headers and body into
 * one {@link io.keycycle.core.Outcome}: success with usage, a minute limit with its wait, a daily
 * quota with the provider's reset, a dead or suspended key, a billing state, an overloaded provider,
 * a bad request, a model that is gone, or a transient failure. Each profile reads structured fields
 * first (error codes, Google's {@code QuotaFailure}/{@code RetryInfo}, OpenRouter's
 * {@code limit_source}, rate-limit headers), words in the message second, and the bare status last;
 * a number that happens to contain "429" is never a rate limit, {@code "param":"quota"} is not
 * exhaustion, and a Cloudflare 403 is not a dead key. Bodies are parsed with Jackson and may be
 * anything: classifiers never throw on them.
 *
 * <p>Waits come, in order of trust, from {@code retry-after}, Gemini's {@code retryDelay}, the reset
 * header of the tripped window, then "try again in …" text; {@link io.keycycle.core.classify.RetryDelays}
 * exposes those parsers to the HTTP client. When no wait is known the outcome says so (null) and the
 * pool applies its floor. Thrown failures are classified through the cause chain
 * ({@link io.keycycle.core.HttpFailure}, then foreign SDK exceptions by reflection, then I/O types,
 * then text). Reasons are short and scrubbed of anything that looks like a credential.
 *
 * <p>Nothing here holds state, counts requests or decides cooldowns; that is the key pool's job.
 */
package io.keycycle.core.classify;
