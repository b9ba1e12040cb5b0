package io.headroom.predictor.forecast;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real series: NASA Kennedy Space Center HTTP requests per minute, July 1995 (outage minutes are gaps). */
class NasaSeriesTest {
    // The shared datasets sit beside the checkout; Surefire passes their folder as headroom.shared.dir.
    static final Path DATA = Path.of(System.getProperty("headroom.shared.dir", "../../shared"),
            "datasets", "nasa-http-1995", "nasa_1995_per_minute_derived.csv.gz");

    static double[] load(int fromRow, int rows) throws Exception {
        List<Double> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(DATA)),
                StandardCharsets.UTF_8))) {
            String header = r.readLine();
            assertThat(header).isEqualTo("minute_start_local,epoch_s,requests,outage");
            String line;
            int i = 0;
            while ((line = r.readLine()) != null && out.size() < rows) {
                if (i++ < fromRow) {
                    continue;
                }
                String[] f = line.split(",");
                out.add(f[3].trim().equals("1") ? Double.NaN : Double.parseDouble(f[2]));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void selectedModelBeatsLastValueInABacktestAtFiveMinutes() throws Exception {
        assumeTrue(Files.isRegularFile(DATA), "NASA dataset not present: " + DATA);
        // Two days of minutes in the second week of July (rows are consecutive minutes from July 1st).
        double[] y = load(7 * 1440, 2 * 1440);
        int h = 5;
        Backtest backtest = new Backtest(3, 200);
        ModelCatalog catalog = new ModelCatalog(0.9, 300, 0, 1500, 60, false);
        SeriesModel model = catalog.model("nasa", h, backtest);
        SeriesModel.Selection s = model.retrain(y, 0);
        System.out.println("NASA 5-min backtest: " + s.summary());
        double lastValue = s.backtestMae().get(LastValueForecaster.NAME);
        double selected = s.backtestMae().get(s.model());
        assertThat(s.model()).as(s.summary()).isNotEqualTo(LastValueForecaster.NAME);
        assertThat(selected).as(s.summary()).isLessThan(lastValue * 0.95);
        assertThat(model.forecast(y).upper()).isPositive();
    }
}
