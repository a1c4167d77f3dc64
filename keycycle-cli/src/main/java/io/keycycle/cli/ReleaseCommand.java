package io.keycycle.cli;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.KeycycleStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code keycycle release groq/org-a}: ends, in the database, the cooldowns and day-parks of a
 * scope and drops the limits learned for it, so the next process that starts on this database
 * admits its keys under the table's limits. A running gateway is released through
 * {@code POST /admin/keys/{provider}/{keyId}/release}.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = {
                "End a scope's cooldowns and day-parks and drop the limits learned for it, in the database.",
                "",
                "For when the quota is back before the provider's reset: an OpenRouter account that bought credits, "
                        + "a Gemini project or Groq organisation on a higher tier. The scope is the one `keycycle status` "
                        + "shows (an organisation, project or account). The next start admits its keys at once; a running "
                        + "gateway keeps its own state until POST /admin/keys/{provider}/{keyId}/release."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle release openrouter/account-a",
                "  keycycle release groq/org-a --db jdbc:sqlite:./test.db"})
final class ReleaseCommand extends KeycycleCommand {

    static final String REASON = "released by operator (keycycle release)";

    @Parameters(index = "0", paramLabel = "PROVIDER/SCOPE", description = "The provider and the scope, e.g. groq/org-a.")
    String target;

    private record Held(List<KeycycleEvent.StateChanged> holds, List<KeycycleEvent.LimitLearned> learned) { }

    private static Held held(KeycycleStore store, Instant now, String provider, String scope) {
        StateCollector c = new StateCollector();
        store.hydrate(c, now);
        List<KeycycleEvent.StateChanged> holds = c.states.stream()
                .filter(s -> s.level() == KeycycleEvent.Level.SCOPE && (s.state() == KeyState.PARKED || s.state() == KeyState.COOLING))
                .filter(s -> s.until() != null && s.until().isAfter(now))
                .filter(s -> provider == null || s.provider().equals(provider) && scope.equals(s.scope())).toList();
        List<KeycycleEvent.LimitLearned> learned = c.learned.stream().filter(l -> l.value() > 0)
                .filter(l -> provider == null || l.provider().equals(provider) && l.scope().equals(scope)).toList();
        return new Held(holds, learned);
    }

    @Override
    protected int execute() {
        ProviderAnd t = providerAnd(target, "release", "PROVIDER/SCOPE", "groq/org-a, the scope as `keycycle status` shows it");
        String provider = t.provider();
        String scope = t.name();
        try (KeycycleStore store = factory().openExistingStore()) {
            Instant now = factory().clock().instant();
            Held found = held(store, now, provider, scope);
            if (found.holds().isEmpty() && found.learned().isEmpty()) {
                Held all = held(store, now, null, null);
                TreeSet<String> others = new TreeSet<>();
                all.holds().forEach(s -> others.add(s.provider() + "/" + s.scope()));
                all.learned().forEach(l -> others.add(l.provider() + "/" + l.scope()));
                throw new CliFailure(provider + "/" + scope + " has no cooldown, day-park or learned limit in "
                        + store.url().redacted() + "; nothing was released. Scopes that have: "
                        + (others.isEmpty() ? "none" : String.join(", ", others)));
            }
            List<String> done = new ArrayList<>();
            for (KeycycleEvent.StateChanged h : found.holds()) {
                // a state only replaces an older one: written by a host whose clock is ahead, the hold is "newer" than now
                Instant at = h.at().isBefore(now) ? now : h.at().plusMillis(1);
                store.onEvent(new KeycycleEvent.StateChanged(at, provider, KeycycleEvent.Level.SCOPE, scope, h.fingerprint(),
                        h.model(), KeyState.READY, null, REASON));
                done.add(h.state() + " " + h.model() + " until " + h.until());
            }
            for (KeycycleEvent.LimitLearned l : found.learned()) {
                store.onEvent(new KeycycleEvent.LimitLearned(now, provider, scope, l.model(), l.metric(), l.tableValue(), -1, REASON));
                done.add("learned " + StateCollector.describe(l));
            }
            if (!store.flush(Duration.ofSeconds(10))) {
                throw new CliFailure("could not write to " + store.url().redacted() + " within 10 s; nothing was released");
            }
            Held after = held(store, now, provider, scope);
            if (!after.holds().isEmpty() || !after.learned().isEmpty()) {
                throw new CliFailure("wrote the release of " + provider + "/" + scope + " to " + store.url().redacted()
                        + " but it is still held (a process held it again just now?)");
            }
            out().println("released " + provider + "/" + scope + " in " + store.url().redacted() + ":");
            for (String d : done) out().println("  " + d);
            out().println("a running gateway keeps its own state until POST /admin/keys/" + provider + "/{keyId}/release");
        }
        return 0;
    }
}
