/**
 * Test fixtures shipped in keycycle-store's test-jar: {@link io.keycycle.store.testing.DatabaseTest}
 * runs a test on a fresh SQLite file and on a fresh MariaDB database,
 * {@link io.keycycle.store.testing.TestDatabase} is what each run gets, and
 * {@link io.keycycle.core.testing.TcpProxy} cuts a database off for outage tests without touching
 * the shared server.
 */
package io.keycycle.store.testing;
