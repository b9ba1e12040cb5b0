package io.headroom.router.grpc;

import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real gRPC-Web client libraries against the router and a grpc-java member: Connect's gRPC-Web transport
 * ({@code @connectrpc/connect-node}, binary and JSON, HTTP/1.1 and HTTP/2) and grpc-web's own client ({@code grpc-web}, text mode,
 * over an XMLHttpRequest), run by Node.js from {@code src/test/resources/grpc-web-interop/interop.mjs}. Not part of the
 * build (it needs Node.js and npm packages): run by hand (docs/grpc.md, "gRPC-Web"):
 * <pre>
 * cp router/src/test/resources/grpc-web-interop/package.json /tmp/gwi/ &amp;&amp; (cd /tmp/gwi &amp;&amp; npm install)
 * mvn -B -o -pl router -am test -Dtest=GrpcWebInteropProbe -Dinterop=/tmp/gwi -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class GrpcWebInteropProbe {
    @Test
    void realGrpcWebClients() throws Exception {
        String modules = System.getProperty("interop");
        org.junit.jupiter.api.Assumptions.assumeTrue(modules != null,
                "a manual check: run with -Dinterop=DIR, DIR holding node_modules of grpc-web-interop/package.json");
        Path dir = Path.of(modules);
        Path script = dir.resolve("interop.mjs");
        try (var in = GrpcWebInteropProbe.class.getResourceAsStream("/grpc-web-interop/interop.mjs")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        Path set = LibraryServer.writeDescriptorSet(Files.createTempFile("interop", ".pb"));
        try (LibraryServer member = new LibraryServer("a")) {
            String yaml = """
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        lib: {backends: [127.0.0.1:%d], request-timeout: 30s}
                      routes:
                        - {name: web, path-prefix: /headroom.test.Library/, pool: lib, grpc: {web: true, descriptor-set: %s}}
                    """.formatted(member.port(), set);
            Router router = Router.create(RouterConfig.from(ConfigNode.parse("interop.yaml", yaml)), "interop", TelemetrySink.DISCARD,
                    Clock.systemUTC());
            int port = router.start();
            try {
                Process p = new ProcessBuilder("node", script.toString(), Integer.toString(port), set.toString())
                        .directory(dir.toFile()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                System.out.print(out.lines().map(l -> "INTEROP " + l + "\n").reduce("", String::concat));
                assertThat(p.exitValue()).as(out).isZero();
                assertThat(out).contains("ALL OK");
            } finally {
                router.stop();
            }
        } finally {
            Files.deleteIfExists(set);
        }
    }
}
