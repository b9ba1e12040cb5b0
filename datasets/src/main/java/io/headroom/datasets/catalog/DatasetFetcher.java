package io.headroom.datasets.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Downloads a catalog file and checks it: the body is streamed to {@code name.part} while it is hashed, and only
 * a body with the expected size and SHA-256 is renamed into place. Anything else deletes the partial file and
 * throws a {@link FetchException} that says what happened and what to do. Memory is one buffer, whatever the size.
 */
public final class DatasetFetcher {
    private final HttpClient client;
    private final Duration responseTimeout;

    public DatasetFetcher(HttpClient client, Duration responseTimeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.responseTimeout = Objects.requireNonNull(responseTimeout, "responseTimeout");
    }

    /** Follows redirects; gives up connecting after 10 s and waiting for the response head after 30 s. */
    public static DatasetFetcher standard() {
        return new DatasetFetcher(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build(), Duration.ofSeconds(30));
    }

    /** What happened to one file. */
    public record Result(DatasetFile file, Path path, boolean alreadyPresent, long bytes) {
    }

    /**
     * Fetches {@code f} into {@code dir} as {@link DatasetFile#fetchedName()}. A file already there with the
     * right checksum is kept and not downloaded again.
     *
     * @throws FetchException when the file has no source, the host cannot be reached, the server answers
     *                        other than 200, or the body's size or checksum is wrong
     */
    public Result fetch(DatasetFile f, Path dir) throws IOException {
        if (!f.fetchable()) {
            throw new FetchException(FetchException.Reason.NO_SOURCE, f.file() + " cannot be downloaded: " + f.note());
        }
        Files.createDirectories(dir);
        Path target = dir.resolve(f.fetchedName());
        if (Files.isRegularFile(target) && Files.size(target) == f.contentSize()
                && DatasetCatalog.sha256(target).equals(f.contentSha256())) {
            return new Result(f, target, true, f.contentSize());
        }
        URI uri = f.source();
        HttpResponse<InputStream> response;
        try {
            response = client.send(HttpRequest.newBuilder(uri).timeout(responseTimeout).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while connecting to " + uri.getHost());
        } catch (ConnectException | HttpConnectTimeoutException | UnresolvedAddressException e) {
            throw unreachable(uri, f, dir, e);
        } catch (HttpTimeoutException e) {
            throw new FetchException(FetchException.Reason.UNREACHABLE, uri.getHost() + " did not answer within "
                    + responseTimeout.toSeconds() + " s for " + uri + "; try again later");
        } catch (IOException e) {
            if (rootCause(e) instanceof UnresolvedAddressException || rootCause(e) instanceof ConnectException
                    || rootCause(e) instanceof java.net.UnknownHostException) {
                throw unreachable(uri, f, dir, e);
            }
            throw e;
        }
        Path part = dir.resolve(f.fetchedName() + ".part");
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                throw new FetchException(FetchException.Reason.HTTP_STATUS, uri + " answered HTTP " + response.statusCode()
                        + " (expected: 200); the file may have moved: see " + f.file() + " in 'headroom datasets list'");
            }
            MessageDigest md = DatasetCatalog.sha256();
            long n = 0;
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) {
                    n += r;
                    if (n > f.contentSize()) {
                        throw new FetchException(FetchException.Reason.SIZE, uri + " sent more than the expected "
                                + f.contentSize() + " bytes; stopped and deleted " + part);
                    }
                    md.update(buf, 0, r);
                    out.write(buf, 0, r);
                }
            }
            String got = HexFormat.of().formatHex(md.digest());
            if (n != f.contentSize() || !got.equals(f.contentSha256())) {
                throw new FetchException(FetchException.Reason.CHECKSUM, uri + ": got " + n + " bytes with sha256 " + got
                        + ", expected " + f.contentSize() + " bytes with sha256 " + f.contentSha256()
                        + "; deleted the download (the upstream file changed, or the transfer was corrupted)");
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Result(f, target, false, n);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static FetchException unreachable(URI uri, DatasetFile f, Path dir, Exception e) {
        Throwable root = rootCause(e);
        String why = root instanceof UnresolvedAddressException || root instanceof java.net.UnknownHostException
                ? "host name does not resolve"
                : root.getMessage() == null || root.getMessage().isBlank() ? root.getClass().getSimpleName() : root.getMessage();
        return new FetchException(FetchException.Reason.UNREACHABLE, "cannot reach " + uri.getHost() + " (" + why
                + "): the network looks closed from here. Download " + uri + " where it is open and put it in " + dir
                + " as " + f.fetchedName() + ", or point HEADROOM_DATASETS at a folder that holds " + f.file());
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
