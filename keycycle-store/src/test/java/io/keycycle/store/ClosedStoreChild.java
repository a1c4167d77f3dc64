package io.keycycle.store;

import java.nio.file.Path;

import static io.keycycle.store.CallsInFlightChild.admitted;

/**
 * A process whose store was closed while a call was still open (lease 1, 100 tokens reserved), for
 * {@link CallsInFlightOfALiveStoreTest}: it prints {@code READY} and waits to be killed, as an
 * application would while its last calls finish after its store's close.
 * Arguments: database URL, journal directory.
 */
public final class ClosedStoreChild {

    private ClosedStoreChild() { }

    public static void main(String[] args) throws Exception {
        KeycycleStore store = KeycycleStore.open(StoreConfig.builder(args[0]).journalDir(Path.of(args[1])).shutdownHook(false).build());
        store.onEvent(admitted(1));
        store.close();
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
