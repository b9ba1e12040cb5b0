package io.headroom.datasets.catalog;

import io.headroom.datasets.Traces;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DatasetCatalogTest {
    @Test
    void namesTheFourPublicTracesWithSourceLicenceAndChecksums() {
        assertThat(DatasetCatalog.all()).extracting(Dataset::id).containsExactly(
                "nasa-http-1995", "worldcup98", "azure-functions-2019-sample1000", "azure-llm-inference-2023");
        for (Dataset d : DatasetCatalog.all()) {
            assertThat(d.homepage()).startsWith("https://");
            assertThat(d.licence()).isNotBlank();
            assertThat(d.files()).isNotEmpty().allSatisfy(f -> {
                assertThat(f.file()).startsWith(d.id() + "/").endsWith(".gz");
                assertThat(f.sha256()).matches("[0-9a-f]{64}");
                assertThat(f.contentSha256()).matches("[0-9a-f]{64}");
                assertThat(f.fetchable() || !f.note().isBlank()).as("%s says why it cannot be fetched", f.file()).isTrue();
            });
        }
        assertThat(DatasetCatalog.find("worldcup98").files().getFirst().fetchedName()).isEqualTo("wc98_requests_per_minute.csv");
    }

    @Test
    void findsByIdAliasOrUniquePrefix() {
        assertThat(DatasetCatalog.find("NASA").id()).isEqualTo("nasa-http-1995");
        assertThat(DatasetCatalog.find("azure-llm-2023").id()).isEqualTo("azure-llm-inference-2023");
        assertThat(DatasetCatalog.find("azure-f").id()).isEqualTo("azure-functions-2019-sample1000");
        assertThatThrownBy(() -> DatasetCatalog.find("azure")).hasMessageContaining("matches azure-functions-2019-sample1000, azure-llm");
        assertThatThrownBy(() -> DatasetCatalog.find("kaggle")).hasMessageContaining("unknown dataset 'kaggle' (known: nasa-http-1995,");
    }

    /** The catalog's sizes and checksums are those of the shared files (stored gzip, and the content inside). */
    @Test
    void sharedFilesMatchTheCatalog() throws Exception {
        Path root = Traces.SHARED_ROOT;
        assumeTrue(Files.isDirectory(root.resolve("worldcup98")), "shared datasets absent");
        for (Dataset d : DatasetCatalog.all()) {
            for (DatasetFile f : d.files()) {
                assertThat(DatasetCatalog.check(root, f)).as(f.file()).isEqualTo(DatasetCatalog.LocalState.OK);
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                long n = 0;
                try (InputStream in = new GZIPInputStream(Files.newInputStream(root.resolve(f.file())))) {
                    byte[] buf = new byte[1 << 16];
                    for (int r; (r = in.read(buf)) > 0; ) {
                        md.update(buf, 0, r);
                        n += r;
                    }
                }
                assertThat(n).as(f.file()).isEqualTo(f.contentSize());
                assertThat(HexFormat.of().formatHex(md.digest())).as(f.file()).isEqualTo(f.contentSha256());
            }
        }
    }
}
