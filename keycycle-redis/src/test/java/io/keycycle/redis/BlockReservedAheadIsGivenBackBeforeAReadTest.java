package io.keycycle.redis;

import io.keycycle.core.Limits;
import org.junit.jupiter.api.RepeatedTest;
import java.util.List;
import static io.keycycle.core.pool.PoolStateStoreProperties.*;

/**
 * A schedule the window-oracle property found (shrunk, replayed as is): calls in quick succession
 * reserve the next block ahead; when the pool then releases everything and reads its windows two
 * days later, the reservation ahead could still be on the wire and read as 2 requests in flight
 * (1 run in 3 before the fix). A read now waits for it and gives back blocks past their time.
 */
class BlockReservedAheadIsGivenBackBeforeAReadTest extends RedisStateStorePropertiesTest {
    @RepeatedTest(5)
    void nothingStaysInFlightAfterTheCallsEndAndTheWindowsPass() {
        long N = Limits.NONE;
        Limits l = new Limits(N, N, 12, N, N, N);
        List<Action> a = List.of(
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Settle(0, 0.0),
            new Acquire("m1", 0L),
            new Acquire("m1", 0L),
            new Release(0),
            new Acquire("m1", 0L),
            new Acquire("m2", 17L),
            new Acquire("m1", 0L),
            new Settle(0, 0.0),
            new Settle(0, 1.0),
            new Acquire("m2", 2L),
            new Acquire("m1", 47L),
            new Advance(166L),
            new Advance(49L));
        noWindowIsEverExceededAndNoReservationLeaks(l, a, 2, false, false, true);
    }
}
