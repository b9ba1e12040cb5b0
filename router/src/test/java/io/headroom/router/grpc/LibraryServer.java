package io.headroom.router.grpc;

import com.google.api.AnnotationsProto;
import com.google.api.HttpProto;
import com.google.api.HttpRule;
import com.google.protobuf.Any;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real grpc-java server (Netty, 127.0.0.1) of a small {@code headroom.test.Library} service whose descriptors are
 * built here, at test time, with {@code google.api.http} annotations; {@link #writeDescriptorSet} writes the
 * {@code FileDescriptorSet} as {@code protoc --include_imports} would, so no protoc is needed.
 *
 * <pre>
 * GetBook(GetBookRequest{shelf, id, view}) -> Book             GET  /v1/shelves/{shelf}/books/{id}
 * CreateBook(CreateBookRequest{shelf, book}) -> Book           POST /v1/shelves/{shelf}/books  body: book
 * ListBooks(ListBooksRequest{shelf, count}) -> stream Book     GET  /v1/shelves/{shelf}/books
 *     (count &lt; 0: -count books, then OUT_OF_RANGE; shelf "endless": until cancelled; a shelf in gates: waits after the first)
 * Fail(FailRequest{code, message}) -> Empty                    POST /v1/fail  body: *   (answers that status)
 * Sleep(SleepRequest{millis}) -> Empty                         GET  /v1/sleep/{millis}
 * Collect(stream Book) -> Summary{count, titles}            POST /v1/shelves/{shelf}/books:collect  body: *
 *     (client streaming: each message's "shelf/title" in titles, and in {@link #collected} as it arrives; a title
 *      "fail" ends the call at once with UNAVAILABLE)
 * Echo(stream Book) -> stream Book                             POST /v1/shelves/{shelf}/books:echo  body: *
 *     (bidirectional: "echo n: title" per message, as it arrives)
 * </pre>
 */
final class LibraryServer implements AutoCloseable {
    static final String SERVICE = "headroom.test.Library";
    static final Descriptors.FileDescriptor FILE = build();
    static final Descriptors.ServiceDescriptor LIBRARY = FILE.findServiceByName("Library");

    final Server server;
    final String name;
    /** The metadata of the last call this server took. */
    final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
    final AtomicInteger calls = new AtomicInteger();
    /**
     * ListBooks on a shelf named here sends its first message and then waits for the latch before the others (a stream
     * whose first message a test can see before the stream ends). A negative count sends that many books, then fails
     * with OUT_OF_RANGE.
     */
    /** Endless ListBooks streams (shelf "endless") that were cancelled. */
    final AtomicInteger cancelled = new AtomicInteger();
    final java.util.Map<String, java.util.concurrent.CountDownLatch> gates = new java.util.concurrent.ConcurrentHashMap<>();
    /** Collect's messages ("shelf/title") as they arrive, and "cancelled" when a Collect call is cancelled. */
    final java.util.concurrent.LinkedBlockingQueue<String> collected = new java.util.concurrent.LinkedBlockingQueue<>();

    /** Which server reflection service the server registers. */
    enum Reflection { NONE, V1, V1ALPHA }

    /** While true, the reflection service answers UNAVAILABLE (the library service keeps serving). */
    final java.util.concurrent.atomic.AtomicBoolean reflectionDown = new java.util.concurrent.atomic.AtomicBoolean();
    /** Reflection streams this server took. */
    final AtomicInteger reflectionCalls = new AtomicInteger();

    LibraryServer(String name) throws IOException {
        this(name, null, null, Reflection.NONE);
    }

    LibraryServer(String name, Reflection reflection) throws IOException {
        this(name, null, null, reflection);
    }

    LibraryServer(String name, Path certPem, Path keyPem) throws IOException {
        this(name, certPem, keyPem, Reflection.NONE);
    }

    /**
     * A server that speaks TLS with this certificate and key (PEM), or plaintext h2c when they are null, with the
     * server reflection service of {@code reflection}. The service carries its file descriptor (as generated code
     * does), so reflection can give it.
     */
    LibraryServer(String name, Path certPem, Path keyPem, Reflection reflection) throws IOException {
        this.name = name;
        java.util.Map<String, MethodDescriptor<DynamicMessage, DynamicMessage>> m = new java.util.LinkedHashMap<>();
        for (String n : new String[]{"GetBook", "CreateBook", "ListBooks", "Fail", "Sleep", "Collect", "Echo"}) {
            m.put(n, method(n));
        }
        io.grpc.ServiceDescriptor.Builder sd = io.grpc.ServiceDescriptor.newBuilder(SERVICE)
                .setSchemaDescriptor((io.grpc.protobuf.ProtoFileDescriptorSupplier) () -> FILE);
        m.values().forEach(sd::addMethod);
        ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(sd.build());
        def.addMethod(m.get("GetBook"), ServerCalls.asyncUnaryCall(this::getBook));
        def.addMethod(m.get("CreateBook"), ServerCalls.asyncUnaryCall(this::createBook));
        def.addMethod(m.get("ListBooks"), ServerCalls.asyncServerStreamingCall(this::listBooks));
        def.addMethod(m.get("Fail"), ServerCalls.asyncUnaryCall(this::fail));
        def.addMethod(m.get("Sleep"), ServerCalls.asyncUnaryCall(this::sleep));
        def.addMethod(m.get("Collect"), ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<DynamicMessage>() {
            private final java.util.List<String> titles = new java.util.ArrayList<>();
            private boolean failed;

            @Override
            public void onNext(DynamicMessage m) {
                String entry = field(m, "shelf") + "/" + field(m, "title");
                collected.add(entry);
                if (failed) {
                    return;
                }
                if (field(m, "title").equals("fail")) {
                    failed = true;
                    out.onError(Status.UNAVAILABLE.withDescription("the member is going away").asRuntimeException());
                    return;
                }
                titles.add(entry);
            }

            @Override
            public void onError(Throwable t) {
                collected.add("cancelled");
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                Descriptors.Descriptor t = type("Summary");
                DynamicMessage.Builder b = DynamicMessage.newBuilder(t).setField(t.findFieldByName("count"), titles.size());
                titles.forEach(x -> b.addRepeatedField(t.findFieldByName("titles"), x));
                out.onNext(b.build());
                out.onCompleted();
            }
        }));
        def.addMethod(m.get("Echo"), ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<DynamicMessage>() {
            private int n;

            @Override
            public void onNext(DynamicMessage m) {
                Descriptors.Descriptor t = type("Book");
                out.onNext(m.toBuilder().setField(t.findFieldByName("title"), "echo " + (n++) + ": " + field(m, "title")).build());
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        }));
        ServerInterceptor capture = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                lastHeaders.set(headers);
                calls.incrementAndGet();
                return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(Metadata h) {
                        h.put(Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER), LibraryServer.this.name);
                        // a member with its own trace id header: the client must get the router's alone
                        h.put(Metadata.Key.of("x-trace-id", Metadata.ASCII_STRING_MARSHALLER), "from-member");
                        super.sendHeaders(h);
                    }

                    @Override
                    public void close(Status status, Metadata trailers) {
                        // custom trailing metadata, as a server that reports costs or checksums after the answer sends it
                        trailers.put(Metadata.Key.of("x-cost", Metadata.ASCII_STRING_MARSHALLER), "3");
                        trailers.put(Metadata.Key.of("x-trace-id", Metadata.ASCII_STRING_MARSHALLER), "from-member-trailer");
                        trailers.put(Metadata.Key.of("x-digest-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[]{1, 2, (byte) 0xfe});
                        super.close(status, trailers);
                    }
                }, headers);
            }
        };
        io.grpc.ServerCredentials creds = certPem == null ? InsecureServerCredentials.create()
                : io.grpc.TlsServerCredentials.create(certPem.toFile(), keyPem.toFile());
        var builder = Grpc.newServerBuilderForPort(0, creds)
                .addService(ServerInterceptors.intercept(def.build(), capture));
        @SuppressWarnings("deprecation")
        io.grpc.BindableService service = switch (reflection) {
            case NONE -> null;
            case V1 -> io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance();
            case V1ALPHA -> io.grpc.protobuf.services.ProtoReflectionService.newInstance();
        };
        if (service != null) {
            builder.addService(ServerInterceptors.intercept(service, new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                    reflectionCalls.incrementAndGet();
                    if (reflectionDown.get()) {
                        call.close(Status.UNAVAILABLE.withDescription("reflection is down for the test"), new Metadata());
                        return new ServerCall.Listener<>() {
                        };
                    }
                    return next.startCall(call, headers);
                }
            }));
        }
        this.server = builder.build().start();
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    static MethodDescriptor<DynamicMessage, DynamicMessage> method(String name) {
        Descriptors.MethodDescriptor m = LIBRARY.findMethodByName(name);
        return MethodDescriptor.newBuilder(new GrpcRoute.DynamicMarshaller(m.getInputType()), new GrpcRoute.DynamicMarshaller(m.getOutputType()))
                .setType(m.isClientStreaming() ? (m.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING
                        : MethodDescriptor.MethodType.CLIENT_STREAMING)
                        : m.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .build();
    }

    static Descriptors.Descriptor type(String name) {
        return FILE.findMessageTypeByName(name);
    }

    static Object field(DynamicMessage m, String name) {
        return m.getField(m.getDescriptorForType().findFieldByName(name));
    }

    static DynamicMessage book(String shelf, String id, String title, int pages) {
        Descriptors.Descriptor t = type("Book");
        return DynamicMessage.newBuilder(t).setField(t.findFieldByName("id"), id).setField(t.findFieldByName("shelf"), shelf)
                .setField(t.findFieldByName("title"), title).setField(t.findFieldByName("page_count"), pages).build();
    }

    private void getBook(DynamicMessage req, StreamObserver<DynamicMessage> out) {
        String id = (String) field(req, "id");
        String shelf = (String) field(req, "shelf");
        if (id.equals("missing")) {
            out.onError(Status.NOT_FOUND.withDescription("no book " + id + " on shelf " + shelf).asRuntimeException());
            return;
        }
        String view = (String) field(req, "view");
        out.onNext(book(shelf, id, "Title of " + id + (view.isEmpty() ? "" : " (" + view + ")"), 100 + id.length()));
        out.onCompleted();
    }

    private void createBook(DynamicMessage req, StreamObserver<DynamicMessage> out) {
        DynamicMessage b = (DynamicMessage) field(req, "book");
        Descriptors.Descriptor t = type("Book");
        out.onNext(b.toBuilder().setField(t.findFieldByName("shelf"), field(req, "shelf"))
                .setField(t.findFieldByName("id"), "created-" + field(b, "title")).build());
        out.onCompleted();
    }

    private void listBooks(DynamicMessage req, StreamObserver<DynamicMessage> out) {
        int n = (Integer) field(req, "count");
        String shelf = (String) field(req, "shelf");
        if (shelf.equals("endless")) {
            endless((io.grpc.stub.ServerCallStreamObserver<DynamicMessage>) out);
            return;
        }
        for (int i = 0; i < Math.abs(n); i++) {
            out.onNext(book(shelf, "b" + i, "Book " + i, i));
            java.util.concurrent.CountDownLatch gate = gates.get(shelf);
            if (i == 0 && gate != null) {
                try {
                    gate.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (n < 0) {
            out.onError(Status.OUT_OF_RANGE.withDescription("shelf " + shelf + " ends after " + (-n) + " books").asRuntimeException());
            return;
        }
        out.onCompleted();
    }

    /**
     * Books as fast as the client takes them (HTTP/2 flow control), until the call is cancelled: counted in
     * {@link #cancelled}. Runs on a thread of its own, as a server that produces a long stream would.
     */
    private void endless(io.grpc.stub.ServerCallStreamObserver<DynamicMessage> out) {
        out.setOnCancelHandler(cancelled::incrementAndGet);
        Thread.ofVirtual().start(() -> {
            for (int i = 0; !out.isCancelled(); i++) {
                if (!out.isReady()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    continue;
                }
                try {
                    out.onNext(book("endless", "b" + i, "Book " + i, i));
                } catch (io.grpc.StatusRuntimeException e) {
                    return; // cancelled meanwhile
                }
            }
        });
    }

    private void fail(DynamicMessage req, StreamObserver<DynamicMessage> out) {
        int code = (Integer) field(req, "code");
        String message = (String) field(req, "message");
        com.google.rpc.Status detail = com.google.rpc.Status.newBuilder().setCode(code).setMessage(message)
                .addDetails(Any.pack(com.google.rpc.ErrorInfo.newBuilder().setReason("TEST_REASON").setDomain("headroom.test").build()))
                .build();
        out.onError(StatusProto.toStatusRuntimeException(detail));
    }

    private void sleep(DynamicMessage req, StreamObserver<DynamicMessage> out) {
        try {
            Thread.sleep((Integer) field(req, "millis"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.onNext(DynamicMessage.getDefaultInstance(type("Empty")));
        out.onCompleted();
    }

    /** Writes the descriptor set (this service, google/api/annotations.proto, http.proto, descriptor.proto). */
    static Path writeDescriptorSet(Path file) throws IOException {
        DescriptorProtos.FileDescriptorSet set = DescriptorProtos.FileDescriptorSet.newBuilder()
                .addFile(DescriptorProtos.getDescriptor().toProto())
                .addFile(HttpProto.getDescriptor().toProto())
                .addFile(AnnotationsProto.getDescriptor().toProto())
                .addFile(FILE.toProto())
                .build();
        try (OutputStream out = Files.newOutputStream(file)) {
            set.writeTo(out);
        }
        return file;
    }

    private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL).setJsonName(jsonName(name)).build();
    }

    private static String jsonName(String name) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private static DescriptorProtos.MethodDescriptorProto rpc(String name, String in, String out, boolean stream, HttpRule rule) {
        return rpc(name, in, out, false, stream, rule);
    }

    private static DescriptorProtos.MethodDescriptorProto rpc(String name, String in, String out, boolean clientStream, boolean stream,
                                                              HttpRule rule) {
        DescriptorProtos.MethodDescriptorProto.Builder m = DescriptorProtos.MethodDescriptorProto.newBuilder().setName(name)
                .setInputType(".headroom.test." + in).setOutputType(".headroom.test." + out).setServerStreaming(stream)
                .setClientStreaming(clientStream);
        if (rule != null) {
            m.setOptions(DescriptorProtos.MethodOptions.newBuilder().setExtension(AnnotationsProto.http, rule));
        }
        return m.build();
    }

    private static Descriptors.FileDescriptor build() {
        var S = FieldDescriptorProto.Type.TYPE_STRING;
        var I = FieldDescriptorProto.Type.TYPE_INT32;
        DescriptorProtos.FileDescriptorProto proto = DescriptorProtos.FileDescriptorProto.newBuilder()
                .setName("headroom/test/library.proto").setPackage("headroom.test").setSyntax("proto3")
                .addDependency("google/api/annotations.proto")
                .addMessageType(DescriptorProto.newBuilder().setName("Book")
                        .addField(field("id", 1, S)).addField(field("shelf", 2, S)).addField(field("title", 3, S))
                        .addField(field("page_count", 4, I))
                        .addField(field("tags", 5, S).toBuilder().setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)))
                .addMessageType(DescriptorProto.newBuilder().setName("GetBookRequest")
                        .addField(field("shelf", 1, S)).addField(field("id", 2, S)).addField(field("view", 3, S)))
                .addMessageType(DescriptorProto.newBuilder().setName("CreateBookRequest")
                        .addField(field("shelf", 1, S)).addField(field("book", 2, FieldDescriptorProto.Type.TYPE_MESSAGE).toBuilder()
                                .setTypeName(".headroom.test.Book")))
                .addMessageType(DescriptorProto.newBuilder().setName("ListBooksRequest")
                        .addField(field("shelf", 1, S)).addField(field("count", 2, I)))
                .addMessageType(DescriptorProto.newBuilder().setName("FailRequest")
                        .addField(field("code", 1, I)).addField(field("message", 2, S)))
                .addMessageType(DescriptorProto.newBuilder().setName("SleepRequest").addField(field("millis", 1, I)))
                .addMessageType(DescriptorProto.newBuilder().setName("Empty"))
                .addMessageType(DescriptorProto.newBuilder().setName("Summary").addField(field("count", 1, I))
                        .addField(field("titles", 2, S).toBuilder().setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)))
                .addService(DescriptorProtos.ServiceDescriptorProto.newBuilder().setName("Library")
                        .addMethod(rpc("GetBook", "GetBookRequest", "Book", false,
                                HttpRule.newBuilder().setGet("/v1/shelves/{shelf}/books/{id}").build()))
                        .addMethod(rpc("CreateBook", "CreateBookRequest", "Book", false,
                                HttpRule.newBuilder().setPost("/v1/shelves/{shelf}/books").setBody("book").build()))
                        .addMethod(rpc("ListBooks", "ListBooksRequest", "Book", true,
                                HttpRule.newBuilder().setGet("/v1/shelves/{shelf}/books").build()))
                        .addMethod(rpc("Fail", "FailRequest", "Empty", false, HttpRule.newBuilder().setPost("/v1/fail").setBody("*").build()))
                        .addMethod(rpc("Sleep", "SleepRequest", "Empty", false, HttpRule.newBuilder().setGet("/v1/sleep/{millis}").build()))
                        .addMethod(rpc("Collect", "Book", "Summary", true, false,
                                HttpRule.newBuilder().setPost("/v1/shelves/{shelf}/books:collect").setBody("*").build()))
                        .addMethod(rpc("Echo", "Book", "Book", true, true,
                                HttpRule.newBuilder().setPost("/v1/shelves/{shelf}/books:echo").setBody("*").build())))
                .build();
        try {
            return Descriptors.FileDescriptor.buildFrom(proto, new Descriptors.FileDescriptor[]{AnnotationsProto.getDescriptor()});
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }
}
