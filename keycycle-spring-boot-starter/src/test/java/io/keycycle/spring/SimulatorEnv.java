package io.keycycle.spring;

import io.keycycle.sim.ProviderKind;
import io.keycycle.sim.SimKey;
import io.keycycle.sim.Simulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a deployment puts in its environment, pointed at the simulator: {@code NUM_<P>}, fake keys, {@code <P>_BASE_URL}. */
public final class SimulatorEnv {

    private SimulatorEnv() {
    }

    public static Map<String, String> keys(Simulator sim, int keysPerProvider, ProviderKind... kinds) {
        Map<String, String> env = new LinkedHashMap<>();
        for (ProviderKind kind : List.of(kinds)) {
            String p = kind.id().toUpperCase(Locale.ROOT);
            env.put("NUM_" + p, Integer.toString(keysPerProvider));
            for (int i = 1; i <= keysPerProvider; i++) env.put(p + "_API_KEY_" + i, SimKey.fakeSecret(kind, i));
            env.put(p + "_BASE_URL", sim.baseUrl(kind));
        }
        return env;
    }

    /** The same as {@code key=value} strings for {@code SpringApplicationBuilder.properties}. */
    public static String[] asProperties(Map<String, String> env, String... more) {
        List<String> l = new java.util.ArrayList<>();
        env.forEach((k, v) -> l.add(k + "=" + v));
        l.addAll(List.of(more));
        return l.toArray(String[]::new);
    }
}
