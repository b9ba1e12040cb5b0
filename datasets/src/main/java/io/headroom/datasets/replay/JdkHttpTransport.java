package io.headroom.datasets.replay;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@link HttpTransport} over {@link java.net.http.HttpClient} (HTTP/1.1, body discarded). Recorded
 * paths are sent as logged; characters a URI cannot carry (spaces, quotes, non-ASCII) are
 * percent-encoded so that odd lines from old logs still reach the server.
 */
public final class JdkHttpTransport implements HttpTransport {
    private final String base;
    private final Duration requestTimeout;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client;

    public JdkHttpTransport(URI baseUrl, Duration connectTimeout, Duration requestTimeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (baseUrl.getScheme() == null || !baseUrl.getScheme().startsWith("http") || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("baseUrl: " + baseUrl + " (expected: http://host:port[/prefix])");
        }
        String b = baseUrl.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.requestTimeout = requestTimeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER) // replay measures the router, not where it points
                .executor(executor)
                .build();
    }

    @Override
    public int send(String method, String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + encode(path)))
                .timeout(requestTimeout)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Percent-encodes what may not appear raw in a URI path/query; keeps existing escapes. */
    static String encode(String path) {
        StringBuilder sb = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = c < 128 && (Character.isLetterOrDigit(c) || "-._~:/?#[]@!$&'()*+,;=".indexOf(c) >= 0
                    || (c == '%' && i + 2 < path.length() && isHex(path.charAt(i + 1)) && isHex(path.charAt(i + 2))));
            if (ok && c != '#') {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(path.length() + 16).append(path, 0, i);
            }
            int end = Character.isHighSurrogate(c) && i + 1 < path.length() ? i + 2 : i + 1;
            for (byte b : path.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
            }
            i = end - 1;
        }
        String p = sb == null ? path : sb.toString();
        return p.startsWith("/") ? p : "/" + p;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    @Override
    public void close() {
        client.close();
        executor.close();
    }
}
