package io.keycycle.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.core.forecast.QuotaForecast;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.gateway.OperatorView;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StorageInfo;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * {@code keycycle status --forecast}: the engine's daily counters restored from the database, the
 * rate of the last N minutes from its per-key aggregate, and when each daily limit runs out.
 */
final class StatusForecast {

    private final KeycycleFactory factory;
    private final int minutes;
    private final OutputFormat format;
    private final PrintWriter out;

    StatusForecast(KeycycleFactory factory, int minutes, OutputFormat format, PrintWriter out) {
        this.factory = factory;
        this.minutes = minutes;
        this.format = format;
        this.out = out;
    }

    int print() {
        Instant now = factory.clock().instant();
        List<QuotaForecast> forecasts;
        StorageInfo storage;
        String database;
        try (KeycycleStore store = factory.openExistingStore()) {
            database = store.url().redacted();
            storage = store.storage();
            try (Keycycle keycycle = factory.keycycleOnClock(store)) {
                List<PoolSnapshot> snapshots = keycycle.snapshots();
                forecasts = OperatorView.forecasts(keycycle, snapshots, OperatorView.storeRates(store, snapshots, now, minutes), minutes, now);
            }
        }
        if (format == OutputFormat.JSON) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("database", database);
            o.put("at", now.toString());
            o.put("rate_minutes", minutes);
            o.set("storage", OperatorView.storageJson(storage));
            o.set("forecasts", OperatorView.forecastsJson(forecasts, now));
            Json.print(out, o);
            return 0;
        }
        Grid g = new Grid("", "PROVIDER", "SCOPE", "MODEL", "LIMIT", "USED", "LEFT", "RATE/MIN", "RUNS OUT", "RESET");
        for (QuotaForecast f : forecasts) {
            g.row(f.runsOutBeforeReset() ? "!" : "", f.provider(), f.scope(), f.model(), f.limit() + " " + f.metric().key(), f.used(),
                    Math.round(f.fractionLeft() * 100) + "%", String.format(java.util.Locale.ROOT, "%.1f", f.ratePerMinute()),
                    f.parkedUntil() != null ? "parked (quota gone)" : f.exhaustsAt() == null ? "not today" : at(f.exhaustsAt(), now),
                    f.resetAt() == null ? "sliding 24 h" : at(f.resetAt(), now));
        }
        if (format == OutputFormat.CSV) {
            g.print(format, out);
            return 0;
        }
        out.println("database " + database + " — " + StatusCommand.storageLine(storage));
        out.println("forecast at " + now.truncatedTo(ChronoUnit.SECONDS) + " at the rate of the last " + minutes + " minutes; "
                + "! = runs out before the provider's reset");
        if (forecasts.isEmpty()) {
            out.println("no daily limits: no configured key has a model with a requests- or tokens-per-day limit in use");
            return 0;
        }
        g.printTable(out, "");
        return 0;
    }

    private static String at(Instant t, Instant now) {
        String s = t.truncatedTo(ChronoUnit.MINUTES).toString();
        return t.isAfter(now) ? s + " (in " + Durations.format(Duration.between(now, t)) + ")" : s + " (now)";
    }
}
