package io.keycycle.cli;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.KeycycleStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * {@code keycycle clear-model groq/openai/gpt-oss-120b}: forgets that the provider reported a
 * model gone, so the next process that starts on this database admits it at once instead of waiting
 * for its re-check. A running gateway is cleared through {@code POST /admin/models/{provider}/clear}.
 */
@Command(name = "clear-model", mixinStandardHelpOptions = true,
        description = {
                "Forget that a provider reported a model gone (MODEL_UNAVAILABLE in `keycycle status`).",
                "",
                "A gone model is re-checked on its own (10 min, doubling to 24 h); this clears it in the database "
                        + "now, so the next start admits it at once. For a running gateway use "
                        + "POST /admin/models/{provider}/clear."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  keycycle clear-model groq/openai/gpt-oss-120b",
                "  keycycle clear-model openrouter/deepseek/deepseek-r1:free --db jdbc:sqlite:./test.db"})
final class ClearModelCommand extends KeycycleCommand {

    @Parameters(index = "0", paramLabel = "PROVIDER/MODEL", description = "The provider and the model, e.g. groq/openai/gpt-oss-120b.")
    String target;

    /** Every model the database holds as reported gone (re-check due or not: the mark is still there). */
    private static List<KeycycleEvent.StateChanged> goneModels(KeycycleStore store, Instant now) {
        StateCollector c = new StateCollector();
        store.hydrate(c, now);
        return c.states.stream().filter(s -> s.level() == KeycycleEvent.Level.MODEL && s.state() == KeyState.MODEL_UNAVAILABLE).toList();
    }

    @Override
    protected int execute() {
        ProviderAnd t = providerAnd(target, "clear-model", "PROVIDER/MODEL", "groq/openai/gpt-oss-120b");
        String provider = t.provider();
        String model = t.name();
        try (KeycycleStore store = factory().openExistingStore()) {
            Instant now = factory().clock().instant();
            List<KeycycleEvent.StateChanged> gone = goneModels(store, now);
            KeycycleEvent.StateChanged marked = gone.stream()
                    .filter(s -> s.provider().equals(provider) && s.model().equals(model)).findFirst().orElse(null);
            if (marked == null) {
                throw new CliFailure(provider + "/" + model + " is not marked unavailable in " + store.url().redacted()
                        + "; nothing was cleared. Marked unavailable: "
                        + (gone.isEmpty() ? "none" : String.join(", ", gone.stream().map(s -> s.provider() + "/" + s.model()).toList())));
            }
            // a state only replaces an older one: written by a host whose clock is ahead, the mark is "newer" than now
            Instant at = marked.at().isBefore(now) ? now : marked.at().plusMillis(1);
            store.onEvent(new KeycycleEvent.StateChanged(at, provider, KeycycleEvent.Level.MODEL, null, null,
                    model, KeyState.READY, null, "cleared by operator (keycycle clear-model)"));
            if (!store.flush(Duration.ofSeconds(10))) {
                throw new CliFailure("could not write to " + store.url().redacted() + " within 10 s; nothing was cleared");
            }
            if (goneModels(store, now).stream().anyMatch(s -> s.provider().equals(provider) && s.model().equals(model))) {
                throw new CliFailure("wrote the clearing of " + provider + "/" + model + " to " + store.url().redacted()
                        + " but it is still marked unavailable (a process marked it again just now?)");
            }
            out().println("cleared " + provider + "/" + model + " in " + store.url().redacted()
                    + "; a running gateway keeps its own state until POST /admin/models/" + provider + "/clear");
        }
        return 0;
    }
}
