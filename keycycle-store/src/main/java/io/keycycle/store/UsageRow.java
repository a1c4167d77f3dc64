package io.keycycle.store;

import java.time.LocalDate;

/**
 * One line of a usage report. Dimensions not grouped by are null.
 *
 * @param provider         provider, when grouped by provider or key
 * @param key              key fingerprint, when grouped by key
 * @param model            model, when grouped by model
 * @param day              UTC day, when grouped by day
 * @param requests         requests counted by the provider
 * @param promptTokens     prompt tokens
 * @param completionTokens completion tokens
 * @param chargedTokens    tokens charged against limits
 * @param failures         records whose outcome was not SUCCESS
 */
public record UsageRow(String provider, String key, String model, LocalDate day, long requests, long promptTokens,
                       long completionTokens, long chargedTokens, long failures) { }
