package io.headroom.router.net;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * Non-blocking {@code recv} and {@code send} on a connected socket's own file descriptor, called through the JDK's
 * foreign function API: the fast path of the lane's client connections and of upstream connections, for a read that
 * finds bytes already there and a write the socket takes whole. Either call returns -1 when it did nothing (it would
 * block, or failed), and the caller then waits with {@link #awaitReadable} (the JDK's own park of a virtual thread on
 * its poller) or goes the JDK's way, which waits, parks, and reports errors as it always did; so this path only
 * replaces a JDK call that would have returned at once.
 *
 * <p>Why: a JDK socket read or write on a virtual thread takes the channel's lock, registers the thread as its reader
 * or writer, and copies through a temporary direct buffer (and Helidon's socket copies once more into arrays of its
 * own); and the JDK calls {@code read}/{@code write}, which go through the kernel's file layer, where {@code recv} and
 * {@code send} (what nginx calls) go to the socket directly. Measured in docs/router.md ("recv and send").
 *
 * <p>The descriptor used is a duplicate ({@code dup}) that only the thread using the connection closes: a close of the
 * JDK's descriptor by another thread can then never hand the same number to a new socket while a read or write still
 * uses it. A close from another thread must therefore shut the socket down (which acts on the socket, so every
 * descriptor of it sees the end and a parked reader wakes), not only close the JDK's descriptor.
 *
 * <p>Available on Linux with JDK 22 or later (where the foreign function API is final and may pass heap arrays to a
 * call) when {@code java.base/sun.nio.ch} is open to the router (the launchers open it; without it the descriptor of a
 * channel cannot be read). {@code -Dheadroom.native-socket=false} turns it off where it is used ({@code LaneSelector},
 * {@code ConnectionPool}). The API is looked up by reflection, so the router still builds for and runs on JDK 21.
 */
public final class NativeSocket {
    private static final System.Logger LOG = System.getLogger(NativeSocket.class.getName());
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;

    /** {@code (int fd, byte[] buf, long offset, long length, int flags) -> long}: recv into the array. */
    private static final MethodHandle RECV;
    /** The same for send, from the array. */
    private static final MethodHandle SEND;
    /** {@code (int fd) -> int}. */
    private static final MethodHandle DUP;
    private static final MethodHandle CLOSE;
    private static final Field FD_VAL;
    private static final String UNAVAILABLE;
    /**
     * The JDK's own wait of a virtual thread for a readable socket ({@code sun.nio.ch.Poller.poll(fd, event, nanos,
     * isOpen)}, what a channel's read does when the socket has nothing), or null: then the JDK's read waits instead.
     */
    private static final MethodHandle POLL;
    private static final int POLLIN;
    /** epoll for {@link EdgePoller}: {@code (int) -> int}, {@code (int, int, int, byte[]) -> int}, {@code (int, byte[], int, int) -> int}. */
    private static final MethodHandle EPOLL_CREATE;
    private static final MethodHandle EPOLL_CTL;
    private static final MethodHandle EPOLL_WAIT;
    /** The JDK's park of a virtual thread until a selector's descriptor is readable ({@code Poller.pollSelector}), or null. */
    private static final MethodHandle POLL_SELECTOR;
    /**
     * For a platform thread that blocks in {@code epoll_wait} (a lane carrier): the call on native memory, not
     * critical ({@code (int, long address, int, int) -> int}), {@code malloc}, and {@code memcpy} into a Java array
     * (critical); null when not there.
     */
    private static final MethodHandle EPOLL_WAIT_NATIVE;
    private static final MethodHandle MALLOC;
    private static final MethodHandle COPY_TO_ARRAY;

    static {
        MethodHandle recv = null;
        MethodHandle send = null;
        MethodHandle dup = null;
        MethodHandle close = null;
        Field fdVal = null;
        MethodHandle poll = null;
        int pollin = 0;
        MethodHandle epollCreate = null;
        MethodHandle epollCtl = null;
        MethodHandle epollWait = null;
        MethodHandle pollSelector = null;
        MethodHandle epollWaitNative = null;
        MethodHandle malloc = null;
        MethodHandle copyToArray = null;
        String why = null;
        try {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                why = "not Linux";
            } else if (Runtime.version().feature() < 22) {
                why = "JDK " + Runtime.version().feature() + " (22 or later passes heap arrays to native calls)";
            } else {
                Class<?> impl = Class.forName("sun.nio.ch.SocketChannelImpl");
                fdVal = impl.getDeclaredField("fdVal");
                fdVal.setAccessible(true); // InaccessibleObjectException without --add-opens java.base/sun.nio.ch
                Functions f = new Functions();
                recv = f.transfer("recv");
                send = f.transfer("send");
                dup = f.intToInt("dup");
                close = f.intToInt("close");
                try {
                    Class<?> poller = Class.forName("sun.nio.ch.Poller");
                    MethodHandles.Lookup l = MethodHandles.privateLookupIn(poller, MethodHandles.lookup());
                    poll = l.findStatic(poller, "poll",
                            MethodType.methodType(void.class, int.class, int.class, long.class, java.util.function.BooleanSupplier.class));
                    Field in = Class.forName("sun.nio.ch.Net").getField("POLLIN");
                    pollin = in.getShort(null);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    poll = null; // the JDK's read waits instead
                }
                try {
                    epollCreate = f.intToInt("epoll_create1");
                    epollCtl = f.withArray("epoll_ctl", 3, 4);
                    epollWait = f.withArray("epoll_wait", 1, 4);
                    try {
                        epollWaitNative = f.epollWaitNative();
                        malloc = f.malloc();
                        copyToArray = f.copyToArray();
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        epollWaitNative = null; // a carrier waits with poll() on the epoll descriptor instead
                    }
                    try {
                        Class<?> poller = Class.forName("sun.nio.ch.Poller");
                        pollSelector = MethodHandles.privateLookupIn(poller, MethodHandles.lookup())
                                .findStatic(poller, "pollSelector", MethodType.methodType(void.class, int.class, long.class));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        pollSelector = null; // the read poller's park instead
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    epollCreate = null; // no edge poller: connections wait on the JDK's poller
                }
            }
        } catch (Throwable t) {
            why = t.getClass().getSimpleName() + ": " + t.getMessage();
            recv = null;
        }
        if (recv == null && why == null) {
            why = "unknown";
        }
        RECV = recv;
        SEND = send;
        DUP = dup;
        CLOSE = close;
        FD_VAL = recv == null ? null : fdVal;
        POLL = recv == null ? null : poll;
        POLLIN = pollin;
        boolean epoll = recv != null && epollCreate != null && (poll != null || pollSelector != null);
        EPOLL_CREATE = epoll ? epollCreate : null;
        EPOLL_CTL = epoll ? epollCtl : null;
        EPOLL_WAIT = epoll ? epollWait : null;
        POLL_SELECTOR = epoll ? pollSelector : null;
        boolean waitNative = epoll && epollWaitNative != null && malloc != null && copyToArray != null;
        EPOLL_WAIT_NATIVE = waitNative ? epollWaitNative : null;
        MALLOC = waitNative ? malloc : null;
        COPY_TO_ARRAY = waitNative ? copyToArray : null;
        UNAVAILABLE = recv == null ? why : null;
        if (UNAVAILABLE != null) {
            LOG.log(System.Logger.Level.DEBUG, "the lane's native socket calls are off: {0}", UNAVAILABLE);
        }
    }

    private NativeSocket() {
    }

    /** Whether the calls are there; if not, {@link #unavailable()} says why. */
    public static boolean available() {
        return RECV != null;
    }

    /** Why the calls are not there, or null when they are. */
    public static String unavailable() {
        return UNAVAILABLE;
    }

    /** The field of a connection context's class that holds its socket (Helidon's connection handler), if any. */
    private static final ClassValue<Field> CHANNEL_FIELD = new ClassValue<>() {
        @Override
        protected Field computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (SocketChannel.class.isAssignableFrom(f.getType()) && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                        try {
                            f.setAccessible(true);
                            return f;
                        } catch (RuntimeException e) {
                            return null;
                        }
                    }
                }
            }
            return null;
        }
    };

    /** The socket of a Helidon connection context, or null when it holds none that can be read. */
    public static SocketChannel channelOf(Object connectionContext) {
        Field f = CHANNEL_FIELD.get(connectionContext.getClass());
        try {
            return f == null ? null : (SocketChannel) f.get(connectionContext);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** A duplicate of {@code channel}'s descriptor for this path, or -1 (not available, or the channel's is closed). */
    public static int duplicate(SocketChannel channel) {
        if (RECV == null || channel == null || !channel.getClass().getName().equals("sun.nio.ch.SocketChannelImpl")) {
            return -1;
        }
        try {
            int fd = FD_VAL.getInt(channel);
            if (!channel.isOpen()) {
                return -1;
            }
            return (int) DUP.invokeExact(fd);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * Parks the current virtual thread until {@code fd} is readable (or closed, shut down, or the thread interrupted:
     * the caller checks again), as the JDK parks a channel's reader.
     *
     * @return false when this wait is not available here (a platform thread, or a JDK without it): the caller then
     *         waits the JDK's way
     */
    public static boolean awaitReadable(int fd, java.util.function.BooleanSupplier open) throws java.io.IOException {
        if (POLL == null || !Thread.currentThread().isVirtual()) {
            return false;
        }
        try {
            POLL.invokeExact(fd, POLLIN, 0L, open);
            return true;
        } catch (java.io.IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Whether {@link EdgePoller}'s calls are here: epoll, and a park of a virtual thread on the JDK's poller. */
    static boolean epollAvailable() {
        return EPOLL_CREATE != null;
    }

    /** {@code epoll_create1(flags)}: the new descriptor, or -1. */
    static int epollCreate(int flags) {
        try {
            return (int) EPOLL_CREATE.invokeExact(flags);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** {@code epoll_ctl(epfd, op, fd, event)} with the {@code struct epoll_event} in {@code event}: 0, or -1. */
    static int epollCtl(int epfd, int op, int fd, byte[] event) {
        try {
            return (int) EPOLL_CTL.invokeExact(epfd, op, fd, event);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** {@code epoll_wait} into {@code events}; only with {@code timeout} 0 (the call may not block: it holds the array). */
    static int epollWait(int epfd, byte[] events, int max, int timeout) {
        if (timeout != 0) {
            throw new IllegalArgumentException("epollWait must not block");
        }
        try {
            return (int) EPOLL_WAIT.invokeExact(epfd, events, max, timeout);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** Whether {@link #epollWaitBlocking} is here. */
    static boolean epollWaitBlockingAvailable() {
        return EPOLL_WAIT_NATIVE != null;
    }

    /** {@code malloc(size)}: native memory for {@link #epollWaitBlocking}, never freed (one buffer a carrier); 0 on failure. */
    static long allocate(long size) {
        try {
            return (long) MALLOC.invokeExact(size);
        } catch (Throwable t) {
            return 0;
        }
    }

    /**
     * {@code epoll_wait(epfd, buffer, max, timeout)} on native memory at {@code buffer}, which may block (a platform
     * thread's call: a lane carrier's), then the events it returned copied into {@code events}.
     *
     * @return the events, 0 on a timeout, -1 on an error (or EINTR)
     */
    static int epollWaitBlocking(int epfd, long buffer, byte[] events, int max, int eventSize, int timeout) {
        try {
            int n = (int) EPOLL_WAIT_NATIVE.invokeExact(epfd, buffer, max, timeout);
            if (n > 0) {
                long ignored = (long) COPY_TO_ARRAY.invokeExact(events, buffer, (long) n * eventSize);
            }
            return n;
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * Parks the current virtual thread on the JDK's poller until {@code fd} (an epoll instance) is readable.
     *
     * @return false when this cannot be done here (not a virtual thread)
     */
    static boolean parkUntilReadable(int fd) throws java.io.IOException {
        if (!Thread.currentThread().isVirtual()) {
            return false;
        }
        if (POLL_SELECTOR != null) {
            try {
                POLL_SELECTOR.invokeExact(fd, 0L);
                return true;
            } catch (java.io.IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
        return awaitReadable(fd, () -> true);
    }

    /** Closes a descriptor {@link #duplicate} gave. */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing more to do for a duplicate
        }
    }

    /**
     * Reads what is there, without waiting, into {@code buf[offset, offset + length)}.
     *
     * @return the bytes read, 0 at the end of the stream, -1 when nothing was read (none there yet, or an error)
     */
    public static int recv(int fd, byte[] buf, int offset, int length) {
        try {
            return (int) (long) RECV.invokeExact(fd, buf, (long) offset, (long) length, MSG_DONTWAIT);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * Writes as much of {@code buf[offset, offset + length)} as the socket takes without waiting.
     *
     * @return the bytes written (possibly fewer than asked), or -1 when none were (it would wait, or an error)
     */
    public static int send(int fd, byte[] buf, int offset, int length) {
        try {
            return (int) (long) SEND.invokeExact(fd, buf, (long) offset, (long) length, MSG_DONTWAIT | MSG_NOSIGNAL);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** The foreign function API by reflection, so this class compiles for JDK 21. */
    private static final class Functions {
        private final Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        private final Object linker;
        private final Object libc;
        private final Class<?> memoryLayout = Class.forName("java.lang.foreign.MemoryLayout");
        private final Class<?> functionDescriptor = Class.forName("java.lang.foreign.FunctionDescriptor");
        private final Class<?> option = Class.forName("java.lang.foreign.Linker$Option");
        private final Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
        private final Object javaInt;
        private final Object javaLong;
        private final Object address;

        Functions() throws ReflectiveOperationException {
            linker = linkerClass.getMethod("nativeLinker").invoke(null);
            libc = linkerClass.getMethod("defaultLookup").invoke(linker);
            Class<?> valueLayout = Class.forName("java.lang.foreign.ValueLayout");
            javaInt = valueLayout.getField("JAVA_INT").get(null);
            javaLong = valueLayout.getField("JAVA_LONG").get(null);
            address = valueLayout.getField("ADDRESS").get(null);
        }

        private Object symbol(String name) throws ReflectiveOperationException {
            Optional<?> s = (Optional<?>) Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class)
                    .invoke(libc, name);
            return s.orElseThrow(() -> new NoSuchMethodException("libc has no " + name));
        }

        private MethodHandle downcall(String name, Object descriptor, boolean critical) throws ReflectiveOperationException {
            Object options = Array.newInstance(option, critical ? 1 : 0);
            if (critical) {
                // a short call that never blocks (MSG_DONTWAIT), which may then read and write a Java array in place
                Array.set(options, 0, option.getMethod("critical", boolean.class).invoke(null, true));
            }
            return (MethodHandle) linkerClass.getMethod("downcallHandle", segment, functionDescriptor, options.getClass())
                    .invoke(linker, symbol(name), descriptor, options);
        }

        private Object descriptor(Object result, Object... args) throws ReflectiveOperationException {
            Object layouts = Array.newInstance(memoryLayout, args.length);
            for (int i = 0; i < args.length; i++) {
                Array.set(layouts, i, args[i]);
            }
            return functionDescriptor.getMethod("of", memoryLayout, layouts.getClass()).invoke(null, result, layouts);
        }

        /** {@code ssize_t f(int, void *, size_t, int)} as {@code (int, byte[], long offset, long length, int) -> long}. */
        MethodHandle transfer(String name) throws ReflectiveOperationException {
            MethodHandle call = downcall(name, descriptor(javaLong, javaInt, address, javaLong, javaInt), true);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle ofArray = lookup.findStatic(segment, "ofArray", MethodType.methodType(segment, byte[].class));
            MethodHandle asSlice = lookup.findVirtual(segment, "asSlice", MethodType.methodType(segment, long.class));
            MethodHandle slice = MethodHandles.filterArguments(asSlice, 0, ofArray); // (byte[], long) -> segment
            return MethodHandles.collectArguments(call, 1, slice)
                    .asType(MethodType.methodType(long.class, int.class, byte[].class, long.class, long.class, int.class));
        }

        /**
         * {@code int f(...)} of {@code ints} arguments in all, the one at {@code arrayAt} a pointer, as a call with a
         * {@code byte[]} there and {@code int}s elsewhere; critical (it must not block), so the array is passed in place.
         */
        MethodHandle withArray(String name, int arrayAt, int args) throws ReflectiveOperationException {
            Object[] layouts = new Object[args];
            Class<?>[] types = new Class<?>[args];
            for (int i = 0; i < args; i++) {
                layouts[i] = i == arrayAt ? address : javaInt;
                types[i] = i == arrayAt ? byte[].class : int.class;
            }
            MethodHandle call = downcall(name, descriptor(javaInt, layouts), true);
            MethodHandle ofArray = MethodHandles.publicLookup()
                    .findStatic(segment, "ofArray", MethodType.methodType(segment, byte[].class));
            return MethodHandles.filterArguments(call, arrayAt, ofArray).asType(MethodType.methodType(int.class, types));
        }

        /** {@code int epoll_wait(int, struct epoll_event *, int, int)} on native memory (a long address), may block. */
        MethodHandle epollWaitNative() throws ReflectiveOperationException {
            return downcall("epoll_wait", descriptor(javaInt, javaInt, javaLong, javaInt, javaInt), false)
                    .asType(MethodType.methodType(int.class, int.class, long.class, int.class, int.class));
        }

        /** {@code void *malloc(size_t)} as {@code (long) -> long}. */
        MethodHandle malloc() throws ReflectiveOperationException {
            return downcall("malloc", descriptor(javaLong, javaLong), false)
                    .asType(MethodType.methodType(long.class, long.class));
        }

        /** {@code memcpy(dst, src, n)} from native memory into a Java array, critical: {@code (byte[], long, long) -> long}. */
        MethodHandle copyToArray() throws ReflectiveOperationException {
            MethodHandle call = downcall("memcpy", descriptor(javaLong, address, javaLong, javaLong), true);
            MethodHandle ofArray = MethodHandles.publicLookup()
                    .findStatic(segment, "ofArray", MethodType.methodType(segment, byte[].class));
            return MethodHandles.filterArguments(call, 0, ofArray)
                    .asType(MethodType.methodType(long.class, byte[].class, long.class, long.class));
        }

        /** {@code int f(int)}. */
        MethodHandle intToInt(String name) throws ReflectiveOperationException {
            return downcall(name, descriptor(javaInt, javaInt), false)
                    .asType(MethodType.methodType(int.class, int.class));
        }
    }
}
