package io.keycycle.core.pool;

import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys the provider puts in one organisation although the configuration gives them different
 * scopes. Limits are the organisation's, so such keys add no capacity: each would meet the same
 * 429. Groq names the organisation in every 429 and 413 ("in organization `org_…`"); once two keys
 * of different scopes have been named with the same one, a limit one of them meets holds the other
 * too (the same model's bucket, for the same time), and the log says once which keys to give one
 * scope ({@code <P>_SCOPE_<i>}). Per process: learned again from the answers after a restart.
 */
final class ReportedOrganisations {
    private final PoolContext ctx;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    ReportedOrganisations(PoolContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Notes that the provider named {@code organisation} for {@code e}'s key; returns the other keys
     * it named with it that are configured in another scope (one per scope). Runs on a refusal, so it
     * may look at every key.
     */
    List<KeyEntry> sameOrganisation(KeyEntry e, String organisation) {
        e.reportedOrganisation = organisation;
        List<KeyEntry> others = new ArrayList<>(2);
        Set<String> scopes = new java.util.HashSet<>();
        scopes.add(e.key.scope());
        for (KeyEntry k : ctx.keys) {
            if (organisation.equals(k.reportedOrganisation) && scopes.add(k.key.scope())) others.add(k);
        }
        if (!others.isEmpty() && warned.add(organisation)) {
            List<String> keys = new ArrayList<>();
            keys.add(e.key.index() + " (" + e.key.fingerprint() + ", scope " + e.key.scope() + ")");
            for (KeyEntry k : others) keys.add(k.key.index() + " (" + k.key.fingerprint() + ", scope " + k.key.scope() + ")");
            String env = ctx.provider().toUpperCase(java.util.Locale.ROOT);
            LoggerFactory.getLogger(KeyPool.class).warn("{} keys {} are all in organisation {}, whose limits they share, but are"
                            + " configured in different scopes: a limit one of them meets now holds the others too; set {}_SCOPE_<i>"
                            + " to one value for them so that their windows count together and none is sent into the same 429",
                    ctx.provider(), keys, organisation, env);
        }
        return others;
    }
}
