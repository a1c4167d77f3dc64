package io.keycycle.cli;

/** How a command prints rows: an aligned table for people, CSV or JSON for programs. */
enum OutputFormat { TABLE, CSV, JSON }
