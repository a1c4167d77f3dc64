package io.keycycle.cli;

import io.keycycle.Keycycle;
import io.keycycle.core.forecast.CapacityPlan;
import io.keycycle.gateway.OperatorView;
import io.keycycle.store.FallbackCount;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.OutcomeMinute;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code keycycle usage --plan}: the capacity plan of the last 24 hours, from the database's
 * per-minute outcomes and the configured keys (their scopes and limits).
 */
final class UsagePlan {

    private final KeycycleFactory factory;
    private final OutputFormat format;
    private final PrintWriter out;

    UsagePlan(KeycycleFactory factory, OutputFormat format, PrintWriter out) {
        this.factory = factory;
        this.format = format;
        this.out = out;
    }

    int print() {
        Instant now = factory.clock().instant();
        Instant from = now.minus(Duration.ofDays(1));
        List<CapacityPlan.ProviderPlan> plans;
        List<FallbackCount> fallbacks;
        try (KeycycleStore store = factory.openExistingStore()) {
            store.removeShutdownHook();
            List<OutcomeMinute> day = store.outcomesPerMinute(from, now);
            fallbacks = store.fallbacks(from, now);
            try (Keycycle keycycle = factory.keycycleOnClock(store)) {
                plans = OperatorView.plans(keycycle.snapshots(), day);
            }
        }
        if (format == OutputFormat.JSON) {
            Json.print(out, OperatorView.plansJson(plans, fallbacks));
            return 0;
        }
        Grid g = new Grid("PROVIDER", "MODEL", "CALLS", "REFUSED", "429S", "BUSIEST", "LIMIT/SCOPE", "SCOPES NEEDED", "SCOPES NOW", "ADD");
        for (CapacityPlan.ProviderPlan p : plans) {
            for (CapacityPlan.ModelNeed n : p.models()) {
                g.row(p.provider(), n.model(), n.calls(), n.refused(), n.limited(),
                        n.binding() == null ? "-" : n.bindingDemand() + " " + n.binding().key(),
                        n.binding() == null ? "-" : n.bindingLimit(), n.scopesNeeded(), p.scopes(),
                        n.scopesNeeded() > p.scopes() ? "+" + (n.scopesNeeded() - p.scopes()) : "0");
            }
        }
        if (format == OutputFormat.CSV) {
            g.print(format, out);
            return 0;
        }
        out.println("capacity plan from " + from + " to " + now + ": demand = answered + 429s + refused locally, per minute, hour and day");
        if (plans.isEmpty()) {
            out.println("no calls recorded in the last 24 hours");
            return 0;
        }
        g.printTable(out, "");
        for (CapacityPlan.ProviderPlan p : plans) {
            if (p.scopes() == 0) {
                out.println(p.provider() + ": no keys configured here, so its limits are unknown; set its keys to plan it");
            } else if (p.additional() > 0) {
                out.println(p.provider() + ": add " + p.additional() + " key" + (p.additional() == 1 ? "" : "s")
                        + " in organisations/projects of their own (" + p.needed() + " scopes instead of " + p.scopes()
                        + ") to have served the last day without refusals");
            } else {
                out.println(p.provider() + ": " + p.scopes() + " usable scope" + (p.scopes() == 1 ? "" : "s") + " served the last day's demand");
            }
            for (FallbackCount f : fallbacks) {
                if (!f.fromProvider().equals(p.provider())) continue;
                out.println("  overflow of " + f.fromProvider() + "/" + f.fromModel() + " carried by " + f.provider() + "/" + f.model()
                        + " (tier " + f.target() + "): " + f.calls() + (f.calls() == 1 ? " call" : " calls"));
            }
        }
        return 0;
    }
}
