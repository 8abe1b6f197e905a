package adabm.backend.onednn;

import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a Java owner of native state needs around every call: one call at a time, a clear error once closed, the
 * native state freed exactly once by {@link #close()} or, for an owner dropped unclosed, by a Cleaner. The state to
 * free must not reference the owner (or the Cleaner never runs). Shared by the native backends (onednn, cuda).
 */
public final class NativeGuard {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The lock held by one call; closing releases it. */
    public interface Held extends AutoCloseable { @Override void close(); }

    private final ReentrantLock lock = new ReentrantLock();
    private final Cleaner.Cleanable cleanable;
    private final String name;
    private boolean closed;

    /** @param name what the error of a closed owner calls it ("onednn plan for edsr", ...) */
    public NativeGuard(Object owner, Runnable free, String name) {
        this.cleanable = CLEANER.register(owner, free);
        this.name = name;
    }

    /** Takes the lock for one call; IllegalStateException once the owner is closed. */
    public Held enter() {
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new IllegalStateException(name + " is closed");
        }
        return lock::unlock;
    }

    /** Frees the native state once; later calls do nothing. */
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            cleanable.clean();
        } finally {
            lock.unlock();
        }
    }
}
