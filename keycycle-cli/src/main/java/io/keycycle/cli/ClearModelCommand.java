package io.keycycle.cli;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.store.KeycycleStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;

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

    @Override
    protected int execute() {
        int slash = target == null ? -1 : target.indexOf('/');
        if (slash <= 0 || slash == target.length() - 1) {
            throw new CliFailure("clear-model needs PROVIDER/MODEL (e.g. groq/openai/gpt-oss-120b), got '" + target + "'");
        }
        String provider = target.substring(0, slash).trim().toLowerCase(java.util.Locale.ROOT);
        String model = target.substring(slash + 1).trim();
        try (KeycycleStore store = factory().openExistingStore()) {
            store.onEvent(new KeycycleEvent.StateChanged(factory().clock().instant(), provider, KeycycleEvent.Level.MODEL, null, null,
                    model, KeyState.READY, null, "cleared by operator (keycycle clear-model)"));
            if (!store.flush(Duration.ofSeconds(10))) {
                throw new CliFailure("could not write to " + store.url().redacted() + " within 10 s; nothing was cleared");
            }
            out().println("cleared " + provider + "/" + model + " in " + store.url().redacted()
                    + "; a running gateway keeps its own state until POST /admin/models/" + provider + "/clear");
        }
        return 0;
    }
}
