package io.headroom.router.grpc;

import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.RefusedPort;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * What the gRPC route tests set up alike, written once: real grpc-java members ({@link LibraryServer}) on 127.0.0.1, a
 * port where nothing listens, the Library descriptor set file and an access-log path in a temporary directory, routers
 * built from YAML that names them by placeholder, the telemetry windows those routers close, and the clients the tests
 * call them with. One per test class (or per test); {@link #close} stops and deletes everything it made.
 *
 * <p>Placeholders in YAML: {@code ${NAME}} the address ({@code 127.0.0.1:port}) of member NAME; {@code ${dead}} an
 * address whose connections are refused; {@code ${set}} the descriptor set file; {@code ${log}} the access-log file;
 * {@code ${retry-refused}}, inside a pool's flow mapping, the settings that send a call refused by one member to the
 * next at once (round robin, no ejection, an ample retry budget); and any {@code key, value} pairs passed along. An
 * unknown placeholder fails the test at once.
 */
final class GrpcFixture implements AutoCloseable {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9-]+)}");
    private static final String RETRY_REFUSED = "balancer: {type: round-robin}, outlier: {consecutive-failures: 1000}, "
            + "retry: {attempts: 2, budget-percent: 100, budget-min-per-second: 1000, backoff: 1ms, max-backoff: 2ms}";

    final String name;
    final Path dir;
    final Path set;
    final Path log;
    /** A port on 127.0.0.1 where nothing listens. */
    final int dead;
    /** The telemetry windows the routers closed, in order. */
    final ConcurrentLinkedQueue<TelemetryWindow> windows = new ConcurrentLinkedQueue<>();
    /** HTTP/1.1, the JDK's client. */
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, LibraryServer> members = new LinkedHashMap<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Router router;
    private int port;

    /**
     * @param name    the routers' instance id and the temporary directory's prefix
     * @param members names of plaintext members without server reflection, started now
     */
    GrpcFixture(String name, String... members) throws IOException {
        this.name = name;
        this.dir = Files.createTempDirectory(name);
        this.set = LibraryServer.writeDescriptorSet(dir.resolve("library.pb"));
        this.log = dir.resolve("access.log");
        this.dead = RefusedPort.next();
        try {
            for (String m : members) {
                add(new LibraryServer(m));
            }
        } catch (IOException | RuntimeException e) {
            try {
                close();
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
    }

    /** Another member (TLS, reflection...), known by its name in YAML and closed with the fixture. */
    LibraryServer add(LibraryServer member) {
        if (members.putIfAbsent(member.name, member) != null) {
            throw new IllegalArgumentException("a member named " + member.name + " exists already");
        }
        return member;
    }

    LibraryServer member(String name) {
        LibraryServer m = members.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no member named " + name + " (members: " + members.keySet() + ")");
        }
        return m;
    }

    /** {@code yaml} with its placeholders filled; {@code extra}: more placeholders, as name and value pairs. */
    String yaml(String yaml, String... extra) {
        Map<String, String> values = new LinkedHashMap<>();
        members.forEach((n, m) -> values.put(n, "127.0.0.1:" + m.port()));
        values.put("dead", "127.0.0.1:" + dead);
        values.put("set", set.toString());
        values.put("log", log.toString());
        values.put("retry-refused", RETRY_REFUSED);
        for (int i = 0; i + 1 < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        Matcher m = PLACEHOLDER.matcher(yaml);
        StringBuilder out = new StringBuilder(yaml.length() + 256);
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("unknown placeholder ${" + m.group(1) + "} (known: " + values.keySet() + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        return m.appendTail(out).toString();
    }

    /** The configuration of {@code yaml} (placeholders filled), parsed as file {@code t.yaml}. */
    RouterConfig config(String yaml, String... extra) {
        return RouterConfig.from(ConfigNode.parse("t.yaml", yaml(yaml, extra)));
    }

    /**
     * A router on {@code yaml}, not started, that the caller stops (a test of its own router, started or not); its
     * windows go to {@link #windows}.
     */
    Router router(String yaml, String... extra) {
        return Router.create(config(yaml, extra), name, windows::add, Clock.systemUTC());
    }

    /**
     * Builds and starts the router the fixture's calls go to ({@link #port}, {@link #get}, {@link #channel}...), stopped
     * with the fixture.
     */
    Router start(String yaml, String... extra) {
        router = router(yaml, extra);
        port = router.start();
        return router;
    }

    Router router() {
        return router;
    }

    int port() {
        return port;
    }

    /** A channel of native gRPC (h2c) to the started router, sending these header name/value pairs; shut at close. */
    ManagedChannel channel(String... headers) {
        var b = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create());
        if (headers.length > 0) {
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(metadata(headers)));
        }
        ManagedChannel c = b.build();
        channels.add(c);
        return c;
    }

    /** {@code channel} sending these header name/value pairs besides its own. */
    static io.grpc.Channel withHeaders(io.grpc.Channel channel, String... headers) {
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata(headers)));
    }

    /** ASCII metadata of name/value pairs. */
    static Metadata metadata(String... kv) {
        Metadata m = new Metadata();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(Metadata.Key.of(kv[i], Metadata.ASCII_STRING_MARSHALLER), kv[i + 1]);
        }
        return m;
    }

    /** {@code http://127.0.0.1:PORT} of the started router followed by {@code path}. */
    URI uri(String path) {
        return uri(port, path);
    }

    /** {@code http://127.0.0.1:PORT} of {@code port} followed by {@code path}. */
    static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** GET {@code path} of the started router, with header name/value pairs (20 s timeout). */
    HttpResponse<String> get(String path, String... headers) throws Exception {
        return get(port, path, headers);
    }

    /** GET {@code path} of the router on {@code port}, with header name/value pairs (20 s timeout). */
    HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return http.send(r.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POST {@code body} to {@code path} of the started router as {@code contentType}, with header name/value pairs. */
    HttpResponse<String> post(String path, String contentType, String body, String... headers) throws Exception {
        return send("POST", path, contentType, body, headers);
    }

    /** {@code method} {@code path} of the started router, {@code body} as {@code contentType}, with header name/value pairs (30 s timeout). */
    HttpResponse<String> send(String method, String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            r.headers(headers);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Closes the started router's current telemetry window and forgets every window so far. */
    void freshWindows() {
        router.telemetry().closeWindow(System.currentTimeMillis() + 1000);
        windows.clear();
    }

    /**
     * Closes one more telemetry window of the started router after another (each a second later, well past the current
     * one) until {@code check} passes on the windows closed since {@link #freshWindows}: a call is counted just after
     * its answer was sent, so the test does not know in which window it falls.
     */
    void awaitWindows(Consumer<List<TelemetryWindow>> check) {
        long base = System.currentTimeMillis() + 3000;
        AtomicInteger k = new AtomicInteger();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            router.telemetry().closeWindow(base + 1000L * k.incrementAndGet());
            check.accept(List.copyOf(windows));
        });
    }

    @Override
    public void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (router != null) {
            router.stop();
        }
        for (LibraryServer m : members.values()) {
            m.close();
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind fails no test
        }
    }
}
