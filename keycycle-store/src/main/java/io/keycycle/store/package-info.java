/**
 * Persistence of usage and key states over JDBC: an embedded SQLite file by default, MySQL,
 * MariaDB or TiDB when configured.
 *
 * <p>The front door is {@link io.keycycle.store.KeycycleStore}: it listens to the engine's
 * events, writes usage rows (with a per-minute aggregate) and key states through one batching
 * writer thread, keeps events in a local journal while the database is unreachable, and at start
 * hydrates the engine through {@link io.keycycle.core.EngineRestorer}. It also prunes, reports
 * and imports the Python library's {@code usage_logs}.
 *
 * <p>Public here: the store, its immutable configuration ({@link io.keycycle.store.StoreConfig},
 * {@link io.keycycle.store.DatabaseUrl}) and the value records it returns. Everything else
 * (dialects, schema migrations, the batch writer, the journal, hydration and report SQL) is
 * package-private. Nothing in this package decides anything about keys; it only remembers what
 * the engine decided.
 */
package io.keycycle.store;
