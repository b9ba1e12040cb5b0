package io.headroom.predictor.evaluate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/** Readers for the three per-minute traces in the shared datasets folder (tests only; the cli has the real readers). */
public final class Traces {
    /** A per-minute series: index 0 starts at {@code startEpochSecond}; NaN = gap. */
    public record Series(String name, double[] y, long startEpochSecond) {
        public Series slice(long fromEpoch, long toEpoch) {
            int a = (int) Math.max(0, (fromEpoch - startEpochSecond) / 60);
            int b = (int) Math.min(y.length, (toEpoch - startEpochSecond) / 60);
            return new Series(name, Arrays.copyOfRange(y, a, b), startEpochSecond + 60L * a);
        }
    }

    public static final Path DATASETS = Path.of(System.getProperty("headroom.shared.dir", "../../shared"), "datasets");
    public static final Path NASA = DATASETS.resolve("nasa-http-1995/nasa_1995_per_minute_derived.csv.gz");
    public static final Path WORLDCUP = DATASETS.resolve("worldcup98/wc98_requests_per_minute.csv.gz");
    public static final Path AZURE = DATASETS.resolve("azure-functions-2019-sample1000/azure2019_sample1000_inv.csv.gz");

    private Traces() {
    }

    private static BufferedReader open(Path p) throws IOException {
        return new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(p)), StandardCharsets.UTF_8), 1 << 16);
    }

    /** NASA 1995 per minute; outage minutes and missing minutes (Jul 28 - 31) are gaps. */
    public static Series nasa() throws IOException {
        long[] epoch = new long[100_000];
        double[] v = new double[100_000];
        int n = 0;
        try (BufferedReader r = open(NASA)) {
            r.readLine();
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(",");
                epoch[n] = Long.parseLong(f[1]);
                v[n++] = f[3].trim().equals("1") ? Double.NaN : Double.parseDouble(f[2]);
            }
        }
        return gridded("nasa", epoch, v, n);
    }

    /** WorldCup 98 per minute (GMT). */
    public static Series worldCup() throws IOException {
        long[] epoch = new long[130_000];
        double[] v = new double[130_000];
        int n = 0;
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
        try (BufferedReader r = open(WORLDCUP)) {
            r.readLine();
            for (String line; (line = r.readLine()) != null; ) {
                int c = line.indexOf(',');
                epoch[n] = LocalDateTime.parse(line.substring(0, c), fmt).toEpochSecond(ZoneOffset.UTC);
                v[n++] = Double.parseDouble(line.substring(c + 1));
            }
        }
        return gridded("worldcup98", epoch, v, n);
    }

    /** Azure Functions 2019 sample: the sum of the 1,000 functions per minute; the day is not recorded, so it starts at epoch 0. */
    public static Series azure() throws IOException {
        double[] sum = new double[1440];
        try (BufferedReader r = open(AZURE)) {
            r.readLine();
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(",");
                for (int i = 0; i < 1440; i++) {
                    sum[i] += Double.parseDouble(f[3 + i]);
                }
            }
        }
        return new Series("azure-functions-2019", sum, 0);
    }

    private static Series gridded(String name, long[] epoch, double[] v, int n) {
        long start = epoch[0];
        int len = (int) ((epoch[n - 1] - start) / 60) + 1;
        double[] y = new double[len];
        Arrays.fill(y, Double.NaN);
        for (int i = 0; i < n; i++) {
            y[(int) ((epoch[i] - start) / 60)] = v[i];
        }
        return new Series(name, y, start);
    }

    public static long epoch(String isoOffset) {
        return OffsetDateTime.parse(isoOffset).toEpochSecond();
    }
}
