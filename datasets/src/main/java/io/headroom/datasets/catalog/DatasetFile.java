package io.headroom.datasets.catalog;

import java.net.URI;
import java.util.Objects;

/**
 * One file of a public trace as kept in the shared datasets folder (gzip), and where its content comes from.
 *
 * @param file          path under the datasets folder, e.g. {@code worldcup98/wc98_requests_per_minute.csv.gz}
 * @param size          bytes of that stored (gzip) file
 * @param sha256        SHA-256 of that stored file, as {@code sha256sum} prints it
 * @param contentSize   bytes once decompressed: the file as published upstream
 * @param contentSha256 SHA-256 of the decompressed content, which is what a download from {@code source} must match
 * @param source        where {@code datasets fetch} downloads the content from, or null when it cannot
 *                      (derived here, or published only inside an archive)
 * @param note          why there is no source, or what to know about it; may be empty
 */
public record DatasetFile(String file, long size, String sha256, long contentSize, String contentSha256, URI source,
                          String note) {
    public DatasetFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(contentSha256, "contentSha256");
        note = note == null ? "" : note;
        if (contentSize < 0) {
            throw new IllegalArgumentException("contentSize: " + contentSize + " (expected: >= 0)");
        }
    }

    /** The name a fetched copy gets: the stored name without {@code .gz} (the content is saved as published). */
    public String fetchedName() {
        String name = file.substring(file.lastIndexOf('/') + 1);
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }

    public boolean fetchable() {
        return source != null;
    }
}
