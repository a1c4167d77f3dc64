package io.keycycle.store;

import io.keycycle.core.KeycycleEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calls this process has admitted and not yet settled, one slot each in a file mapped into
 * memory ({@code inflight-<nonce>.slots} in the journal directory), so that a {@code kill -9} no
 * longer forgets the calls it interrupted. A usage record is written ahead when a call settles; a
 * call still in flight at the kill (sent to the provider, which counted it; no answer yet) had none.
 * Its slot has: the next start turns it into a usage row with the outcome {@value StoredEvent#UNFINISHED},
 * one request and the tokens reserved at admission (what an abandoned call is charged), at the
 * last instant the dead process recorded, so the restarted engine's windows hold it.
 *
 * <p>Writing to a mapping is a store to memory, not a system call: the kernel owns the pages, so
 * they survive the process (not a power loss). Each slot is filled at admission (~100 bytes of
 * names and numbers) and goes through three states:
 * <ul>
 *   <li>{@code ADMITTED}: recovered as an unfinished call;</li>
 *   <li>{@code SETTLED}: the call's usage record has its number but its write-ahead line may not be
 *       in a file yet; the slot holds the whole record, recovered under the same event id, so the
 *       database keeps one of the two copies whichever survived;</li>
 *   <li>free again once the line is in the operating system's hands (after the thread's
 *       {@code write}, or its round's).</li>
 * </ul>
 * So a kill at any instant leaves each call exactly once: as its written line, or as its slot.
 *
 * <p>A call is found again without a map: its lease number and provider, mixed, pick its entry in
 * an index on the heap (open addressing, neighbours probed when that one is taken). The entry
 * names the call's slot in the file, taken from a stack of free slots, so the slots in use are the
 * same few pages whatever the lease numbers: pages that stay in memory, where slots chosen by lease
 * number would cycle through the whole file and, at a few calls a second, find each page evicted
 * (a read from the disk on an event loop) by the time the numbers came round to it. When every
 * probed entry is taken, or the names do not fit a slot, the call goes unrecorded (counted, logged
 * once): a crash forgets it as it did before. At the default size (16,384) a gateway's largest
 * load, 10,240 calls open at once over four pools, finds every call a slot (a test holds it). The
 * file is written in full at open, so a full disk cannot fault a page later.
 *
 * <p>The file is the store's while the store, or a call it left open at its close, needs it: the
 * store holds a lock on it (and this process lists it) until the file is deleted, and only a file
 * nobody holds is a dead process's ({@link #heldByALiveProcess}). A store opened on the same
 * directory while a closed one still has calls open (in this process, or in another) leaves those
 * calls to their own store, whose late settlements reach its journal; until 2026-12-05 it recorded
 * them as unfinished at once, and each such call was then counted twice.
 *
 * <p>Thread-safety: {@link #admitted} and {@link #settling} from any thread; {@link #release} by
 * the thread that settled the call (or wrote its line). The index's entries say who owns them
 * ({@code claim}: 0 free, 1 being filled, 2 admitted, 3 settled and waiting for its line); the
 * mapped state is only read after a crash.
 */
final class CallsInFlight {

    private static final Logger LOG = LoggerFactory.getLogger(CallsInFlight.class);

    static final String PREFIX = "inflight-";
    static final String SUFFIX = ".slots";
    /** Bytes per slot, and of the header (slot "-1"). */
    static final int SLOT = 512;
    private static final long MAGIC = 0x4b43_494e_464c_5431L; // "KCINFLT1"
    /** Index entries probed from a call's home entry. */
    private static final int PROBES = 256;

    // header
    private static final int H_MAGIC = 0;
    private static final int H_SLOTS = 8;
    private static final int H_SLOT_SIZE = 12;
    private static final int H_NONCE = 16;
    private static final int H_LAST_SEEN = 24;

    // slot
    static final int FREE = 0;
    static final int ADMITTED = 1;
    static final int SETTLED = 2;
    private static final int S_STATE = 0;
    private static final int S_GENERATION = 4;
    private static final int S_ADMITTED_AT = 8;
    private static final int S_ESTIMATE = 16;
    private static final int S_SEQ = 24;
    private static final int S_TS = 32;
    private static final int S_REQUESTS = 40;
    private static final int S_PROMPT = 48;
    private static final int S_COMPLETION = 56;
    private static final int S_CHARGED = 64;
    private static final int S_STATUS = 72;
    private static final int S_OUTCOME = 76;     // length byte, then up to 35 bytes
    private static final int OUTCOME_MAX = 35;
    private static final int S_LENGTHS = 112;    // four shorts: provider, scope, key, model (-1: null)
    private static final int S_NAMES = 120;
    private static final int NAMES_MAX = SLOT - S_NAMES;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * This process's files, by absolute path, until each is deleted. Checked before the file lock:
     * a process's locks on a file are the process's, and closing any channel it opened on that
     * file may drop them, so a recovery never opens a file this process holds.
     */
    private static final java.util.Set<Path> HELD_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path file;
    /** The channel the file was made and mapped through, kept open for {@link #lock} until the file is deleted. */
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final MappedByteBuffer map;
    private final int mask;
    private final AtomicIntegerArray claim;
    private final long[] leases;
    private final String[] providers;
    private final String[] keys;
    private final String[] models;
    private final int[] generations;
    /** The file slot of each index entry. */
    private final int[] slotOf;
    /** Free file slots: a stack (top in the low 32 bits, plus one; a change count above against ABA) linked through {@link #nextFree}. */
    private final java.util.concurrent.atomic.AtomicLong freeTop = new java.util.concurrent.atomic.AtomicLong();
    private final int[] nextFree;
    private final AtomicLong unrecorded = new AtomicLong();
    private long lastSeen; // racy: a hint of the last instant recorded
    private volatile boolean closing;
    private volatile boolean broken;
    private volatile boolean deleted;

    private CallsInFlight(Path file, FileChannel lockChannel, FileLock lock, MappedByteBuffer map, int slots) {
        this.file = file;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.map = map;
        this.mask = slots - 1;
        this.claim = new AtomicIntegerArray(slots);
        this.leases = new long[slots];
        this.providers = new String[slots];
        this.keys = new String[slots];
        this.models = new String[slots];
        this.generations = new int[slots];
        this.slotOf = new int[slots];
        this.nextFree = new int[slots];
        for (int s = slots - 1; s >= 0; s--) push(s); // slot 0 on top
    }

    /** {@code requested} rounded up to a power of two, at least 64 (0 stays 0: off). */
    static int slots(int requested) {
        if (requested <= 0) return 0;
        return Math.max(64, Integer.highestOneBit(Math.max(1, requested - 1)) << 1);
    }

    static String fileName(int nonce) {
        StringBuilder hex = new StringBuilder(Integer.toHexString(nonce));
        while (hex.length() < 8) hex.insert(0, '0');
        return PREFIX + hex + SUFFIX;
    }

    static boolean isSlotsFile(String name) { return name.startsWith(PREFIX) && name.endsWith(SUFFIX); }

    /**
     * Creates this process's file in {@code dir}, written in full (zeros) before it is mapped. Null,
     * with a warning, when it cannot be made: calls in flight are then not recorded, as before.
     */
    static CallsInFlight open(Path dir, int nonce, int requestedSlots) {
        int slots = slots(requestedSlots);
        if (slots == 0) return null;
        Path file = dir.resolve(fileName(nonce)).toAbsolutePath();
        long size = (long) (slots + 1) * SLOT;
        FileChannel ch = null;
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, JournalFiles.ownerOnly());
            HELD_HERE.add(file);
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            // Taken before the first call is recorded, released after the file is deleted: a file
            // whose lock is free is a dead process's (or an empty one about to go).
            FileLock lock = ch.tryLock();
            if (lock == null) throw new IOException("another process holds a lock on " + file.getFileName());
            ByteBuffer zeros = ByteBuffer.allocateDirect(64 * 1024);
            for (long pos = 0; pos < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                pos += ch.write(zeros, pos);
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            map.putInt(H_SLOTS, slots);
            map.putInt(H_SLOT_SIZE, SLOT);
            map.putInt(H_NONCE, nonce);
            map.putLong(H_MAGIC, MAGIC);
            return new CallsInFlight(file, ch, lock, map, slots);
        } catch (IOException | RuntimeException e) {
            LOG.warn("journal {}: cannot keep the calls in flight in {} ({}); a kill -9 forgets the calls it interrupts",
                    dir, file.getFileName(), e.toString());
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // nothing recorded in it
            }
            closeQuietly(ch);
            HELD_HERE.remove(file);
            return null;
        }
    }

    int capacity() { return mask + 1; }

    /** Calls admitted without a slot (every probed entry taken, or names too long for a slot). */
    long unrecorded() { return unrecorded.get(); }

    /**
     * A call's home entry: lease number and provider mixed (SplitMix64's finaliser), so consecutive
     * leases of several pools spread over the index instead of forming runs that meet (one pool's
     * open calls filling the entries where another's new ones begin their probes).
     */
    private int home(String provider, long lease) {
        long h = (lease ^ provider.hashCode() * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        h *= 0x94D049BB133111EBL;
        h ^= h >>> 29;
        return (int) h & mask;
    }

    private static int base(int slot) { return (slot + 1) * SLOT; }

    /** A free file slot, the one freed last (its page is the warmest); -1 if none is free. */
    private int pop() {
        while (true) {
            long top = freeTop.get();
            int slot = (int) top - 1;
            if (slot < 0) return -1;
            long next = ((top >>> 32) + 1) << 32 | (nextFree[slot] & 0xffffffffL);
            if (freeTop.compareAndSet(top, next)) return slot;
        }
    }

    private void push(int slot) {
        while (true) {
            long top = freeTop.get();
            nextFree[slot] = (int) top;
            if (freeTop.compareAndSet(top, ((top >>> 32) + 1) << 32 | (slot + 1))) return;
        }
    }

    /** A call was admitted: takes a slot for it (its state survives a crash). Never throws. */
    void admitted(KeycycleEvent.Admitted a) {
        if (broken) {
            unrecorded.incrementAndGet();
            return;
        }
        int entry = -1;
        int slot = -1;
        try {
            String provider = a.provider();
            int home = home(provider, a.leaseId());
            for (int n = 0; n < PROBES && entry < 0; n++) {
                int i = (home + n) & mask;
                if (claim.get(i) == 0 && claim.compareAndSet(i, 0, 1)) entry = i;
            }
            if (entry < 0) {
                missed("the " + PROBES + " entries from its home entry were taken: too many calls in flight for "
                        + capacity() + " slots (KEYCYCLE_STORE_IN_FLIGHT_SLOTS)");
                return;
            }
            slot = pop(); // an entry taken leaves a slot (as many of each, a slot freed before its entry)
            if (slot < 0) {
                giveBack(entry, -1);
                missed("no free slot");
                return;
            }
            int base = base(slot);
            if (!names(base, provider, a.scope(), a.fingerprint(), a.model())) {
                giveBack(entry, slot);
                missed("its names take more than " + NAMES_MAX + " bytes");
                return;
            }
            int generation = ++generations[slot];
            slotOf[entry] = slot;
            long at = a.at().toEpochMilli();
            map.putInt(base + S_GENERATION, generation);
            map.putLong(base + S_ADMITTED_AT, at);
            map.putLong(base + S_ESTIMATE, a.estimatedTokens());
            INT.setRelease(map, base + S_STATE, ADMITTED);
            seen(at);
            leases[entry] = a.leaseId();
            providers[entry] = provider;
            keys[entry] = a.fingerprint();
            models[entry] = a.model();
            claim.set(entry, 2); // ready: a settlement may find it now
        } catch (RuntimeException e) {
            if (entry >= 0) giveBack(entry, slot);
            missed(e.toString());
        } catch (InternalError fault) {
            if (entry >= 0) giveBack(entry, slot);
            fault(fault);
        }
    }

    /** An admission that could not finish: its entry and slot (if it took one) are free again. */
    private void giveBack(int entry, int slot) {
        if (slot >= 0) {
            try {
                INT.setRelease(map, base(slot) + S_STATE, FREE);
            } catch (InternalError fault) {
                fault(fault);
            }
            push(slot);
        }
        claim.set(entry, 0);
    }

    /**
     * The call of lease {@code lease} settled as {@code u} (numbered, its line not yet written): its
     * slot now holds that record. Returns its entry, for {@link #release} once the line is written, or
     * -1 when the call has none (admitted unrecorded, or before this store). Never throws.
     */
    int settling(String provider, long lease, String key, String model, StoredEvent.Usage u) {
        int won = -1;
        try {
            int home = home(provider, lease);
            for (int n = 0; n < PROBES; n++) {
                int i = (home + n) & mask;
                if (claim.get(i) != 2 || leases[i] != lease || !same(providers[i], provider) || !same(keys[i], key)
                        || !same(models[i], model)) {
                    continue;
                }
                // one settlement per call: a late usage report of an abandoned call (same lease) that
                // arrives before the abandonment's line is written finds the entry taken and keeps out
                if (!claim.compareAndSet(i, 2, 3)) return -1;
                won = i; // from here on the caller releases it, whatever happens to the record
                int base = base(slotOf[i]);
                map.putLong(base + S_SEQ, u.seq());
                map.putLong(base + S_TS, u.ts());
                map.putLong(base + S_REQUESTS, u.requests());
                map.putLong(base + S_PROMPT, u.promptTokens());
                map.putLong(base + S_COMPLETION, u.completionTokens());
                map.putLong(base + S_CHARGED, u.chargedTokens());
                map.putInt(base + S_STATUS, u.status());
                String outcome = u.outcome();
                int len = Math.min(outcome.length(), OUTCOME_MAX);
                for (int c = 0; c < len; c++) map.put(base + S_OUTCOME + 1 + c, (byte) outcome.charAt(c));
                map.put(base + S_OUTCOME, (byte) len);
                INT.setRelease(map, base + S_STATE, SETTLED);
                seen(u.ts());
                return i;
            }
        } catch (RuntimeException e) {
            LOG.debug("calls in flight: could not mark lease {} settled: {}", lease, e.toString());
        } catch (InternalError fault) {
            fault(fault);
        }
        return won;
    }

    /** The settled call's line is in a file (or never will be): its slot is free again. {@code entry}: what {@link #settling} returned. */
    void release(int entry) {
        if (entry < 0) return;
        int slot = slotOf[entry];
        try {
            INT.setRelease(map, base(slot) + S_STATE, FREE);
        } catch (InternalError fault) {
            fault(fault);
        }
        push(slot);
        claim.set(entry, 0);
        if (closing) deleteIfIdle();
    }

    /**
     * The mapping faulted (the JVM turns a failed page access into an {@code InternalError}: an I/O
     * error reading the file back): the file is given up, calls are admitted unrecorded from now on,
     * and the caller (a listener of the engine) never sees the error.
     */
    private void fault(InternalError fault) {
        if (!broken) {
            broken = true;
            LOG.error("calls in flight: the file {} cannot be accessed ({}); calls are no longer kept in it and a kill -9 "
                    + "forgets the calls it interrupts until the next start", file, fault.toString());
        }
    }

    private static boolean same(String a, String b) { return a == b || Objects.equals(a, b); }

    private void seen(long at) {
        if (at > lastSeen) {
            lastSeen = at;
            map.putLong(H_LAST_SEEN, at);
        }
    }

    private void missed(String why) {
        if (unrecorded.incrementAndGet() == 1) {
            LOG.warn("calls in flight: a call was admitted without a slot ({}); a kill -9 while such calls are in flight forgets "
                    + "them (counted in the store's health)", why);
        }
    }

    /** Writes the four names as UTF-8 after their lengths; false if they do not fit. */
    private boolean names(int base, String provider, String scope, String key, String model) {
        int at = name(base, 0, provider, base + S_NAMES);
        if (at >= 0) at = name(base, 1, scope, at);
        if (at >= 0) at = name(base, 2, key, at);
        if (at >= 0) at = name(base, 3, model, at);
        return at >= 0;
    }

    /** Name {@code k} of the slot at {@code base}, from byte {@code at}: where the next one starts, or -1 if it does not fit. */
    private int name(int base, int k, String s, int at) {
        if (s == null) {
            map.putShort(base + S_LENGTHS + 2 * k, (short) -1);
            return at;
        }
        int start = at;
        int end = base + SLOT;
        for (int c = 0; c < s.length(); c++) {
            char ch = s.charAt(c);
            if (ch < 0x80) {
                if (at + 1 > end) return -1;
                map.put(at++, (byte) ch);
            } else if (ch < 0x800) {
                if (at + 2 > end) return -1;
                map.put(at++, (byte) (0xc0 | ch >> 6));
                map.put(at++, (byte) (0x80 | ch & 0x3f));
            } else {
                // a surrogate pair becomes two 3-byte sequences (CESU-8): read back with the same rule
                if (at + 3 > end) return -1;
                map.put(at++, (byte) (0xe0 | ch >> 12));
                map.put(at++, (byte) (0x80 | ch >> 6 & 0x3f));
                map.put(at++, (byte) (0x80 | ch & 0x3f));
            }
        }
        map.putShort(base + S_LENGTHS + 2 * k, (short) (at - start));
        return at;
    }

    /**
     * The store is closing. With no call in flight the file goes now; otherwise it stays, so that a
     * call still open at the process's end is recovered at the next start like a crash's, and goes as
     * soon as the last one settles.
     */
    void close() {
        closing = true;
        deleteIfIdle();
    }

    private void deleteIfIdle() {
        if (deleted) return;
        for (int i = 0; i <= mask; i++) if (claim.get(i) != 0) return;
        synchronized (this) {
            if (deleted) return;
            deleted = true;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("calls in flight: cannot delete {}: {}", file, e.toString());
        }
        // after the deletion: a recovery that opened the file before it went finds it idle (no record)
        try {
            lock.release();
        } catch (IOException | RuntimeException e) {
            LOG.debug("calls in flight: cannot release the lock on {}: {}", file, e.toString());
        }
        closeQuietly(lockChannel);
        HELD_HERE.remove(file);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // only a lock went with it
        }
    }

    /**
     * True if a store of a running process still owns {@code file}: this process (a store closed with
     * calls open, whose late settlements still come), or another one holding its lock. Only a file
     * nobody holds is recovered, or moved by a journal adopting a {@code proc-} directory.
     */
    static boolean heldByALiveProcess(Path file) throws IOException {
        if (HELD_HERE.contains(file.toAbsolutePath())) return true;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException inThisProcess) {
            return true;
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }

    /** Calls whose slot is not free (for tests and the close). */
    int open() {
        int n = 0;
        for (int i = 0; i <= mask; i++) if (claim.get(i) != 0) n++;
        return n;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * The usage records a dead process's file holds: an unfinished call for each admitted slot, the
     * settled record for each settled one. A file that is not one (torn at creation) holds none.
     */
    static List<StoredEvent.Usage> recover(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<StoredEvent.Usage> out = new ArrayList<>();
        if (bytes.length < SLOT || b.getLong(H_MAGIC) != MAGIC || b.getInt(H_SLOT_SIZE) != SLOT) {
            if (bytes.length > 0) LOG.warn("journal: {} is not a file of calls in flight; ignored", file.getFileName());
            return out;
        }
        int slots = b.getInt(H_SLOTS);
        int nonce = b.getInt(H_NONCE);
        long lastSeen = b.getLong(H_LAST_SEEN);
        int bad = 0;
        for (int i = 0; i < slots && base(i) + SLOT <= bytes.length; i++) {
            int base = base(i);
            int state = b.getInt(base + S_STATE);
            if (state == FREE) continue;
            String[] names = new String[4];
            if ((state != ADMITTED && state != SETTLED) || !readNames(bytes, b, base, names)) {
                bad++;
                continue;
            }
            if (state == SETTLED) {
                int len = Math.min(bytes[base + S_OUTCOME] & 0xff, OUTCOME_MAX);
                String outcome = new String(bytes, base + S_OUTCOME + 1, len, StandardCharsets.US_ASCII);
                long seq = b.getLong(base + S_SEQ);
                out.add(StoredEvent.fitted(new StoredEvent.Usage(seq, StoredEvent.eventId(seq, nonce), names[0], names[1], names[2], names[3],
                        b.getLong(base + S_TS), b.getLong(base + S_REQUESTS), b.getLong(base + S_PROMPT),
                        b.getLong(base + S_COMPLETION), b.getLong(base + S_CHARGED), outcome, b.getInt(base + S_STATUS))));
            } else {
                long admittedAt = b.getLong(base + S_ADMITTED_AT);
                long ts = Math.max(admittedAt, lastSeen);
                out.add(StoredEvent.fitted(new StoredEvent.Usage(ts * 1000, unfinishedId(i, b.getInt(base + S_GENERATION), nonce), names[0], names[1],
                        names[2], names[3], ts, 1, 0, 0, Math.max(0, b.getLong(base + S_ESTIMATE)), StoredEvent.UNFINISHED, 0)));
            }
        }
        if (bad > 0) LOG.warn("journal: {} holds {} unreadable slot(s); skipped", file.getFileName(), bad);
        return out;
    }

    /** {@code <slot, 8 hex><generation, 8 hex>-<nonce, 8 hex>-u}: never an ordinary event id (no "-u"), the same at every recovery. */
    static String unfinishedId(int slot, int generation, int nonce) {
        return String.format("%08x%08x-%08x-u", slot, generation, nonce);
    }

    private static boolean readNames(byte[] bytes, ByteBuffer b, int base, String[] names) {
        int at = base + S_NAMES;
        for (int k = 0; k < 4; k++) {
            int len = b.getShort(base + S_LENGTHS + 2 * k);
            if (len == -1) continue;
            if (len < 0 || at + len > base + SLOT) return false;
            names[k] = decode(bytes, at, len);
            at += len;
        }
        return names[0] != null && names[2] != null && names[3] != null;
    }

    /** The inverse of {@link #names}' encoding (UTF-8, surrogates as their own 3-byte sequences). */
    private static String decode(byte[] bytes, int from, int len) {
        StringBuilder sb = new StringBuilder(len);
        int i = from;
        int end = from + len;
        while (i < end) {
            int c = bytes[i] & 0xff;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
            } else if (c < 0xe0 && i + 1 < end) {
                sb.append((char) ((c & 0x1f) << 6 | bytes[i + 1] & 0x3f));
                i += 2;
            } else if (i + 2 < end) {
                sb.append((char) ((c & 0x0f) << 12 | (bytes[i + 1] & 0x3f) << 6 | bytes[i + 2] & 0x3f));
                i += 3;
            } else {
                break;
            }
        }
        return sb.toString();
    }
}
