package io.headroom.router.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Not a test (no timing assertions in tests): sequential unary latency, direct vs through the router, and the time of a
 * reload whose route takes its descriptors by server reflection, printed as {@code PROBE ...} lines. Run by hand (docs/grpc.md, "Measured"):
 * {@code mvn -B -o -pl router -am test -Dtest=GrpcLatencyProbe -Dprobe=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class GrpcLatencyProbe {
    @Test
    void probe() throws Exception {
        Path set = descriptorSetOrSkip();
        try (LibraryServer s = new LibraryServer("a")) {
            Router r = router(yaml(s, set, "",
                    "- {name: native, path-prefix: /headroom.test.Library/, pool: lib, grpc: {passthrough: true, web: true}}"));
            int port = r.start();
            ManagedChannel direct = plaintext(s.port());
            ManagedChannel via = plaintext(port);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Descriptors.Descriptor t = LibraryServer.type("GetBookRequest");
            DynamicMessage req = DynamicMessage.newBuilder(t).setField(t.findFieldByName("shelf"), "s").setField(t.findFieldByName("id"), "1").build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/shelves/s/books/1")).build();
            byte[] msg = req.toByteArray();
            byte[] frame = new byte[5 + msg.length];
            frame[4] = (byte) msg.length;
            System.arraycopy(msg, 0, frame, 5, msg.length);
            HttpRequest web = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/headroom.test.Library/GetBook"))
                    .header("content-type", "application/grpc-web+proto").header("x-grpc-web", "1")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(frame)).build();
            int n = Integer.getInteger("probe.n", 5000);
            for (String what : new String[]{"direct-grpc", "router-passthrough", "router-json", "router-grpc-web",
                    "direct-grpc", "router-passthrough", "router-json", "router-grpc-web"}) {
                long[] lat = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    switch (what) {
                        case "direct-grpc" -> ClientCalls.blockingUnaryCall(direct, LibraryServer.method("GetBook"), CallOptions.DEFAULT, req);
                        case "router-passthrough" -> ClientCalls.blockingUnaryCall(via, LibraryServer.method("GetBook"), CallOptions.DEFAULT, req);
                        case "router-grpc-web" -> {
                            HttpResponse<byte[]> resp = http.send(web, HttpResponse.BodyHandlers.ofByteArray());
                            byte[] b = resp.body();
                            // a message frame and the trailer frame, whose first line is grpc-status: 0
                            int end = b.length < 5 ? 0 : 5 + (((b[1] & 0xff) << 24) | ((b[2] & 0xff) << 16) | ((b[3] & 0xff) << 8) | (b[4] & 0xff));
                            if (resp.statusCode() != 200 || b.length < end + 19 || b[0] != 0 || b[end] != (byte) 0x80
                                    || !new String(b, end + 5, 14, java.nio.charset.StandardCharsets.US_ASCII).equals("grpc-status: 0")) {
                                throw new IllegalStateException("not an OK gRPC-Web answer: " + resp.headers().map());
                            }
                        }
                        default -> {
                            HttpResponse<String> resp = http.send(get, HttpResponse.BodyHandlers.ofString());
                            if (resp.statusCode() != 200) {
                                throw new IllegalStateException(resp.body());
                            }
                        }
                    }
                    lat[i] = System.nanoTime() - t0;
                }
                Arrays.sort(lat);
                System.out.printf("PROBE %-20s n=%d p50=%.0fus p90=%.0fus p99=%.0fus mean=%.0fus%n", what, n, lat[n / 2] / 1e3,
                        lat[n * 9 / 10] / 1e3, lat[n * 99 / 100] / 1e3, Arrays.stream(lat).average().orElse(0) / 1e3);
            }
            direct.shutdownNow();
            via.shutdownNow();
            r.stop();
        }
    }

    /**
     * Translated streams: a client stream of n NDJSON messages in one request (messages/s, through the router, against
     * grpc-java's client streaming straight to the member), and a bidirectional round trip per message (an NDJSON line
     * sent, its echo read, on one open HTTP/1.1 exchange; against grpc-java's bidi straight to the member).
     */
    @Test
    void streamProbe() throws Exception {
        Path set = descriptorSetOrSkip();
        try (LibraryServer s = new LibraryServer("a")) {
            Router r = router(yaml(s, set, ", request-timeout: 10m", ""));
            int port = r.start();
            ManagedChannel direct = plaintext(s.port());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            int n = Integer.getInteger("probe.stream.n", 20000);
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < n; i++) {
                body.append("{\"title\":\"t").append(i).append("\",\"pageCount\":").append(i).append("}\n");
            }
            HttpRequest collect = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/shelves/s/books:collect"))
                    .header("content-type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            for (int round = 0; round < 3; round++) {
                s.collected.clear();
                long t0 = System.nanoTime();
                HttpResponse<String> resp = http.send(collect, HttpResponse.BodyHandlers.ofString());
                long via = System.nanoTime() - t0;
                if (resp.statusCode() != 200 || !resp.body().startsWith("{\"count\":" + n + ",")) {
                    throw new IllegalStateException(resp.statusCode() + " " + resp.body().substring(0, Math.min(200, resp.body().length())));
                }
                s.collected.clear();
                t0 = System.nanoTime();
                LinkedBlockingQueue<Object> answer = new LinkedBlockingQueue<>();
                StreamObserver<DynamicMessage> up = ClientCalls.asyncClientStreamingCall(
                        direct.newCall(LibraryServer.method("Collect"), CallOptions.DEFAULT), into(answer));
                for (int i = 0; i < n; i++) {
                    up.onNext(LibraryServer.book(i == 0 ? "s" : "", "", "t" + i, i));
                }
                up.onCompleted();
                take(answer, "direct client stream");
                long straight = System.nanoTime() - t0;
                System.out.printf("PROBE client-stream n=%d router-ndjson=%.0fms (%.0f msg/s) direct-grpc=%.0fms (%.0f msg/s)%n", n,
                        via / 1e6, n / (via / 1e9), straight / 1e6, n / (straight / 1e9));
            }
            s.collected.clear();
            int m = Integer.getInteger("probe.bidi.n", 2000);
            for (int round = 0; round < 2; round++) {
                long[] lat = new long[m];
                try (GrpcStreamingHttpTest.RawExchange x = new GrpcStreamingHttpTest.RawExchange(port, "/v1/shelves/s/books:echo",
                        "application/x-ndjson")) {
                    for (int i = 0; i < m; i++) {
                        long t0 = System.nanoTime();
                        x.send("{\"title\":\"m" + i + "\"}\n");
                        if (i == 0 && x.status() != 200) {
                            throw new IllegalStateException("status " + x.status());
                        }
                        String line = x.line();
                        if (line == null || !line.contains("echo " + i + ": m" + i)) {
                            throw new IllegalStateException("not the echo of " + i + ": " + line);
                        }
                        lat[i] = System.nanoTime() - t0;
                    }
                    x.end();
                }
                long[] dlat = new long[m];
                LinkedBlockingQueue<Object> echoes = new LinkedBlockingQueue<>();
                StreamObserver<DynamicMessage> bidi = ClientCalls.asyncBidiStreamingCall(
                        direct.newCall(LibraryServer.method("Echo"), CallOptions.DEFAULT), into(echoes));
                for (int i = 0; i < m; i++) {
                    long t0 = System.nanoTime();
                    bidi.onNext(LibraryServer.book("s", "", "m" + i, i));
                    take(echoes, "direct bidi");
                    dlat[i] = System.nanoTime() - t0;
                }
                bidi.onCompleted();
                Arrays.sort(lat);
                Arrays.sort(dlat);
                System.out.printf("PROBE bidi-round-trip n=%d router-ndjson p50=%.0fus p90=%.0fus p99=%.0fus; direct-grpc p50=%.0fus p90=%.0fus "
                        + "p99=%.0fus%n", m, lat[m / 2] / 1e3, lat[m * 9 / 10] / 1e3, lat[m * 99 / 100] / 1e3, dlat[m / 2] / 1e3,
                        dlat[m * 9 / 10] / 1e3, dlat[m * 99 / 100] / 1e3);
            }
            direct.shutdownNow();
            r.stop();
        }
    }

    /** How long a reload takes with a route whose descriptors come by reflection, against one with a descriptor file. */
    @Test
    void reflectionReloadProbe() throws Exception {
        Path set = descriptorSetOrSkip();
        try (LibraryServer s = new LibraryServer("a", LibraryServer.Reflection.V1)) {
            String file = yaml(s, set, "", "");
            String reflected = file.replace("descriptor-set: " + set, "reflection: true, services: [headroom.test.Library]");
            Router r = router(file);
            int n = Integer.getInteger("probe.n", 200);
            for (String what : new String[]{"reload-descriptor-set", "reload-reflection", "reload-descriptor-set", "reload-reflection"}) {
                long[] lat = new long[n];
                for (int i = 0; i < n; i++) {
                    // parsing included: a descriptor file is read at parse, reflection fetches at the reload
                    long t0 = System.nanoTime();
                    r.reload(RouterConfig.from(ConfigNode.parse("p.yaml", what.endsWith("reflection") ? reflected : file)));
                    lat[i] = System.nanoTime() - t0;
                }
                Arrays.sort(lat);
                System.out.printf("PROBE %-22s n=%d p50=%.2fms p90=%.2fms p99=%.2fms%n", what, n, lat[n / 2] / 1e6, lat[n * 9 / 10] / 1e6,
                        lat[n * 99 / 100] / 1e6);
            }
            r.stop();
        }
    }

    /** The Library descriptor set in a new temporary directory; skips the probe unless it runs with {@code -Dprobe=true}. */
    private static Path descriptorSetOrSkip() throws java.io.IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("probe"), "a manual probe: run with -Dprobe=true");
        return LibraryServer.writeDescriptorSet(Files.createTempDirectory("probe").resolve("l.pb"));
    }

    /**
     * A router's YAML: on 127.0.0.1:0, pool {@code lib} of member {@code s} ({@code pool}: more of its settings, each
     * after a comma), route {@code json} translating /v1 with the descriptor set {@code set}, then {@code route} (one
     * more route's list item, or empty).
     */
    private static String yaml(LibraryServer s, Path set, String pool, String route) {
        return """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    lib: {backends: [127.0.0.1:%d]%s}
                  routes:
                    - {name: json, path-prefix: /v1, pool: lib, grpc: {descriptor-set: %s}}
                    %s
                """.formatted(s.port(), pool, set, route);
    }

    /** A router built from {@code yaml}, telemetry discarded. */
    private static Router router(String yaml) {
        return Router.create(RouterConfig.from(ConfigNode.parse("p.yaml", yaml)), "p", TelemetrySink.DISCARD, Clock.systemUTC());
    }

    /** A plaintext channel to 127.0.0.1:{@code port}. */
    private static ManagedChannel plaintext(int port) {
        return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
    }

    /** An observer of a call's answers that puts each message, and the error if one comes, on {@code answers}. */
    private static StreamObserver<DynamicMessage> into(LinkedBlockingQueue<Object> answers) {
        return new StreamObserver<>() {
            @Override
            public void onNext(DynamicMessage m) {
                answers.add(m);
            }

            @Override
            public void onError(Throwable e) {
                answers.add(e);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /** The next answer {@link #into} put on {@code answers}, waiting for it; an error fails the probe. */
    private static DynamicMessage take(LinkedBlockingQueue<Object> answers, String call) throws InterruptedException {
        Object answer = answers.take();
        if (answer instanceof DynamicMessage m) {
            return m;
        }
        throw new IllegalStateException(call + " failed", (Throwable) answer);
    }
}
