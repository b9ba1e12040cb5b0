package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract the delimited-file readers share through {@link CsvTable}. */
class CsvTableTest {
    @TempDir
    Path dir;

    @Test
    void rowsAreParsedAndEveryOtherLineIsCountedOrReportedWithItsNumber() throws Exception {
        Path p = TestFiles.write(dir, "t.csv", "\uFEFFName,Value\n"
                + "a,1\n"
                + "\n"
                + "b\n"
                + "c,x\n"
                + "d,4,extra\n"
                + "e," + "9".repeat(40) + "\n");
        CsvTable table = CsvTable.open(p, 32, null, "a header name,value");
        assertThat(table.empty()).isFalse();
        assertThat(table.header()).containsExactly("Name", "Value");
        assertThat(table.separator()).isEqualTo(',');
        int vi = Csv.indexOf(table.header(), "value");
        try (TraceReader<String> r = table.rows(row -> {
            String v = row.get(vi);
            if (!v.chars().allMatch(Character::isDigit)) {
                return row.malformed("value '" + v + "' is not a number");
            }
            return row.get(0) + "=" + v;
        }, 0, vi, -1)) {
            assertThat(TestFiles.drain(r)).containsExactly("a=1", "d=4");
            ReadReport report = r.report();
            assertThat(report.linesRead()).isEqualTo(7);
            assertThat(report.recordsRead()).isEqualTo(2);
            assertThat(report.malformedSamples()).extracting(ReadReport.Malformed::line).containsExactly(4L, 5L, 7L);
            assertThat(report.malformedSamples()).extracting(ReadReport.Malformed::reason).containsExactly(
                    "expected at least 2 fields, found 1", "value 'x' is not a number", "line longer than 32 characters");
            assertThat(report.malformedSamples().get(1).text()).isEqualTo("c,x");
        }
    }

    @Test
    void theSeparatorIsATabWhenTheHeaderHasOneUnlessGiven() throws Exception {
        Path p = TestFiles.write(dir, "t.tsv", "time\turl\n1\t/a\n");
        try (CsvTable detected = CsvTable.open(p, 100, null, "a header")) {
            assertThat(detected.separator()).isEqualTo('\t');
            assertThat(detected.header()).containsExactly("time", "url");
        }
        try (CsvTable given = CsvTable.open(p, 100, ',', "a header")) {
            assertThat(given.header()).containsExactly("time\turl");
        }
    }

    @Test
    void anEmptyFileIsMalformedLineOneAndHasNoRows() throws Exception {
        Path p = TestFiles.write(dir, "empty.csv.gz", "");
        CsvTable table = CsvTable.open(p, 100, ',', "a header such as a,b");
        assertThat(table.empty()).isTrue();
        assertThat(table.header()).isEmpty();
        assertThat(table.nextLine()).isNull();
        assertThat(table.report().linesRead()).isZero();
        assertThat(table.report().malformedSamples()).extracting(Object::toString)
                .containsExactly("line 1: empty file (expected: a header such as a,b)");
        assertThat(TestFiles.drain(CsvTable.<String>empty(table.report()))).isEmpty();
        assertThatThrownBy(() -> table.rows(row -> row.get(0), 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRejectedHeaderNamesFileLineOneAndTheHeader() throws Exception {
        Path p = TestFiles.write(dir, "h.csv", "a,b\n1,2\n");
        CsvTable table = CsvTable.open(p, 100, ',', "a header");
        IllegalArgumentException e = table.rejectHeader(" has no column 'c'; name it");
        assertThat(e).hasMessage(p + ":1: header [a, b] has no column 'c'; name it");
    }

    @Test
    void linesAreReadOneByOneForReadersThatSplitThemselves() throws Exception {
        Path p = TestFiles.write(dir, "m.csv", "h\n\nx,y\nz\n");
        try (CsvTable table = CsvTable.open(p, 100, ',', "a header")) {
            assertThat(table.nextLine()).isEqualTo("x,y");
            assertThat(table.lineNumber()).isEqualTo(3);
            assertThat(table.nextLine()).isEqualTo("z");
            assertThat(table.lineNumber()).isEqualTo(4);
            assertThat(table.nextLine()).isNull();
            assertThat(table.report().linesRead()).isEqualTo(4);
            assertThat(List.of(table.report().recordsRead(), table.report().malformedCount())).containsExactly(0L, 0L);
        }
    }
}
