package io.keycycle.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options every command takes: where keys, configuration and the database are; debug output. */
final class CommonOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: $KEYCYCLE_CONFIG, else ./keycycle.yaml if present).")
    Path config;

    @Option(names = "--env-file", paramLabel = "FILE",
            description = "A .env file with NUM_<P>/<P>_API_KEY_<i> (default: ./.env if present). "
                    + "Variables of the environment win over the file.")
    Path envFile;

    @Option(names = "--db", paramLabel = "URL",
            description = "Database: a SQLite file path, a JDBC URL or the SQLAlchemy form (mysql+pymysql://…); 'none' for no database "
                    + "(default: $KEYCYCLE_DB_URL, $TIDB_DB_URL, database.url of the file, else ./keycycle.db).")
    String db;

    @Option(names = {"-v", "--verbose"}, description = "Log keycycle's INFO messages to stderr (store, keys, fallbacks).")
    boolean verbose;

    @Option(names = "--debug", description = "Log at DEBUG and print stack traces of failures.")
    boolean debug;
}
