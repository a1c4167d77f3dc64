package io.keycycle.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Unmaps a file mapping as soon as it is no longer used. Java 17 has no public way to do this: a
 * {@link MappedByteBuffer} is unmapped when the garbage collector finds it unreachable, which for a
 * buffer that lived long enough to reach the old generation can be minutes later; until then a
 * deleted write-ahead file keeps its disk blocks and the process its address space. The JDK's own
 * {@code sun.misc.Unsafe.invokeCleaner} (module {@code jdk.unsupported}, the route Lucene and Netty
 * take) unmaps at once. Where it is not available the mapping is left to the collector, which is
 * correct, only later.
 *
 * <p>The caller must guarantee that nothing touches the buffer afterwards: an access to an unmapped
 * buffer crashes the JVM. {@link WriteAheadLog} drops its reference under its monitor first.
 */
final class MappedFiles {

    private static final Logger LOG = LoggerFactory.getLogger(MappedFiles.class);
    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private MappedFiles() { }

    /** True when {@link #unmap} unmaps at once (else the collector does it). */
    static boolean unmapsAtOnce() { return INVOKE_CLEANER != null; }

    static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER == null) return;
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) buffer);
        } catch (Throwable t) {
            LOG.debug("could not unmap a write-ahead file's mapping; the garbage collector will: {}", t.toString());
        }
    }

    private static MethodHandle invokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("write-ahead files are unmapped by the garbage collector, not at once ({})", e.toString());
            return null;
        }
    }
}
