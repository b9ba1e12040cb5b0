package io.headroom.datasets.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The public traces Headroom knows, with origin, terms and checksums. The data comes from the READMEs of the
 * shared datasets folder (one per trace), where each file's provenance is recorded; sizes and SHA-256 sums were
 * computed on those files ({@code sha256sum}, and {@code zcat | sha256sum} for the content).
 */
public final class DatasetCatalog {
    private static final String RAW = "https://raw.githubusercontent.com/";

    private static final List<Dataset> ALL = List.of(
            new Dataset("nasa-http-1995", List.of("nasa", "nasa-http"),
                    "NASA-HTTP 1995: every HTTP request to the NASA Kennedy Space Center web server, Jul-Aug 1995 (-04:00)",
                    "https://ita.ee.lbl.gov/html/contrib/NASA-HTTP.html",
                    "Internet Traffic Archive; neither GitHub copy has a LICENSE; ITA privacy note: general traffic-pattern"
                            + " analysis only; cite Arlitt & Williamson, SIGMETRICS 1996",
                    "requests per second (5,059,950 values, 3,461,610 requests), per minute (84,333 rows, derived),"
                            + " and 30,969 requests of 1995-08-01",
                    List.of(
                            new DatasetFile("nasa-http-1995/nasa_1995_per_second_counts.txt.gz", 1_368_372,
                                    "a3f1207aa01fe23d375d9e2d3c1867c6678d2f8b4793a04130fa550be1ea2b91", 10_120_552,
                                    "732277156c9b24046eaa27134afb753990db5fadd15ec703edba216c7ff009ff", null,
                                    "published inside a tbz2 archive (reconfigurable-ml-pipeline/web-service-datasets @7404ad66,"
                                            + " dataset/nasa/workload.tbz2); copy it from a shared datasets folder"),
                            new DatasetFile("nasa-http-1995/nasa_1995_per_minute_derived.csv.gz", 548_963,
                                    "97cc292a681a439cbbd97f4489fc6182226490688a29d6d0b84070c9f1ebcc1e", 3_200_426,
                                    "82021a223a8baa993415f07e9c2f6b2e90488ded01f22f1dd644750a8b7c0262", null,
                                    "derived from the per-second file (timestamps rebuilt and checked); not published elsewhere"),
                            new DatasetFile("nasa-http-1995/nasa_19950801_requests.tsv.gz", 286_069,
                                    "f7fdfa298f1e68a82d88ca5693baf4d5a3080dd1ab9d48888eda585d0815e700", 2_339_220,
                                    "70de8038a1443d50580c5a9a067f92a6f88a7bf4d6e7694b745b99c1d501283e",
                                    URI.create(RAW + "aseldawy/CS167/HEAD/Labs/Lab4/nasa_19950801.tsv"),
                                    "the commit was not recorded, so this follows the default branch; the checksum catches a change"))),
            new Dataset("worldcup98", List.of("wc98", "worldcup"),
                    "1998 FIFA World Cup web site: requests per minute over all 33 servers (GMT)",
                    "https://ita.ee.lbl.gov/html/contrib/WorldCup.html",
                    "repository MIT (Nima Mahmoudi); ITA/HP terms: redistribution with the copyright notice,"
                            + " non-commercial use only; cite Arlitt & Jin, 1998 World Cup Web Site Access Logs",
                    "125,300 minutes, 1998-04-30 21:30 to 07-26 21:59 GMT, 1,352,804,107 requests",
                    List.of(new DatasetFile("worldcup98/wc98_requests_per_minute.csv.gz", 623_432,
                            "eec034f01d9c24fb5eb44375ae774c72d8f1740ccbbc2992ad15297264a5956a", 3_157_125,
                            "d05038f98af96f6fab054f90445e02a68f37fd00a79c23f45b9b48e5ec91fb8e",
                            URI.create(RAW + "nimamahmoudi/worldcup98-dataset/82460213f0d5a86fa57b6d4b0b5f260e606e713b/invocation_count.csv"),
                            ""))),
            new Dataset("azure-functions-2019-sample1000", List.of("azure-functions-2019", "azure-functions", "azure2019"),
                    "Azure Functions 2019: invocations per minute of 1,000 sampled functions over one day (day not recorded)",
                    "https://github.com/Azure/AzurePublicDataset/blob/master/AzureFunctionsDataset2019.md",
                    "data CC-BY 4.0 (Azure Public Dataset, Shahrad et al., Serverless in the Wild, ATC 2020);"
                            + " sample from vhive-serverless/invitro (MIT)",
                    "1,000 functions x 1,440 minutes, 11,639,447 invocations; duration and memory percentiles",
                    List.of(azure("inv", 229_680, "cc9fc09e76a40875fee04759717bfb543bab1e30db4dbd29086bfcf2cf1c8341", 3_250_026,
                                    "4235127f5bdcd55e61a84147774e2508afbd65aae45d494b09701725ef98a245"),
                            azure("run", 67_626, "bc3f913f15566e290f34afe3e42200b41fe7abe3b564a95949a03aa6c79595c5", 253_423,
                                    "e9fd85411a988ed4ac9613fe08e2abe60a41e9b14464061779574ac175ceedb7"),
                            azure("mem", 64_220, "b073006f09af18ca2d767633090b73a4a313a9b0d7a8ea1735c2122c4b504f00", 178_289,
                                    "d1c7dba765317e69205e63b16cb65012af13b0d13484a22f77b6e0cd2fc0ea28"))),
            new Dataset("azure-llm-inference-2023", List.of("azure-llm-2023", "azure-llm"),
                    "Azure LLM inference 2023: per-request arrivals with context and generated tokens, two services, about 1 h each",
                    "https://github.com/Azure/AzurePublicDataset/blob/master/AzureLLMInferenceDataset2023.md",
                    "CC-BY 4.0; cite Patel et al., Splitwise: Efficient generative LLM inference using phase splitting, ISCA 2024",
                    "8,819 (code) + 19,366 (conv) requests, 2023-11-16 18:15 to 19:14 UTC",
                    List.of(llm("code", 76_067, "a693e93b69f7c2ad7039d2ea1e109b5cf83c5a6c699e1d4848030e8fae223389", 320_117,
                                    "54e9a6d2a4bd06ba1e060304b900abbc74cbea53de96506e60fe5bb4f2277fb6"),
                            llm("conv", 180_355, "9d3518f77e4387c32c76b206d8006fe5a2bde0dc41d6038dbd0a1c60c7e86fa2", 719_188,
                                    "2f1e5b666d4e3055fdbba98598ce2ec307767b9064e03e2fa46676dbcc7d0bf8"))));

    private DatasetCatalog() {
    }

    private static DatasetFile azure(String kind, long size, String sha, long contentSize, String contentSha) {
        return new DatasetFile("azure-functions-2019-sample1000/azure2019_sample1000_" + kind + ".csv.gz", size, sha,
                contentSize, contentSha, URI.create(RAW + "vhive-serverless/invitro/cb0077f3a4af0142e521d47cddfd81e41a1ce170/"
                + "data/traces/10-1000-10/1000_" + kind + ".csv"), "");
    }

    private static DatasetFile llm(String kind, long size, String sha, long contentSize, String contentSha) {
        return new DatasetFile("azure-llm-inference-2023/AzureLLMInferenceTrace_" + kind + ".csv.gz", size, sha, contentSize,
                contentSha, URI.create(RAW + "Azure/AzurePublicDataset/b469a113cedca53ddc3bdea71a143dc4b7d8700c/data/"
                + "AzureLLMInferenceTrace_" + kind + ".csv"), "");
    }

    public static List<Dataset> all() {
        return ALL;
    }

    /**
     * A dataset by id, alias or unique prefix of an id (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known datasets when none or several match
     */
    public static Dataset find(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (Dataset d : ALL) {
            if (d.id().equals(n) || d.aliases().contains(n)) {
                return d;
            }
        }
        List<Dataset> hits = ALL.stream().filter(d -> d.id().startsWith(n)).toList();
        if (hits.size() == 1) {
            return hits.getFirst();
        }
        String known = String.join(", ", ALL.stream().map(Dataset::id).toList());
        throw new IllegalArgumentException(hits.isEmpty()
                ? "unknown dataset '" + name + "' (known: " + known + ")"
                : "'" + name + "' matches " + String.join(", ", hits.stream().map(Dataset::id).toList()) + "; give more of the name");
    }

    /** What a local copy of a catalog file looks like. */
    public enum LocalState { MISSING, OK, MISMATCH }

    /** Compares {@code root/file} (the stored gzip) with the catalog's size and SHA-256. */
    public static LocalState check(Path root, DatasetFile f) throws IOException {
        Path p = root.resolve(f.file());
        if (!Files.isRegularFile(p)) {
            return LocalState.MISSING;
        }
        return Files.size(p) == f.size() && sha256(p).equals(f.sha256()) ? LocalState.OK : LocalState.MISMATCH;
    }

    /** Lower-case hex SHA-256 of a file, streamed. */
    public static String sha256(Path p) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
