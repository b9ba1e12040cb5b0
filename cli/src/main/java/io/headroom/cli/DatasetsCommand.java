package io.headroom.cli;

import io.headroom.datasets.Traces;
import io.headroom.datasets.catalog.Dataset;
import io.headroom.datasets.catalog.DatasetCatalog;
import io.headroom.datasets.catalog.DatasetFetcher;
import io.headroom.datasets.catalog.DatasetFile;
import io.headroom.datasets.catalog.FetchException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = "The public traffic traces Headroom knows: where they come from, their terms and checksums.",
        footer = {"", "Examples:",
                "  headroom datasets list",
                "  headroom datasets fetch nasa-http-1995 --to traces/"},
        subcommands = {DatasetsCommand.ListTraces.class, DatasetsCommand.Fetch.class})
final class DatasetsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Names each public trace with its source, licence or terms, files, sizes and SHA-256,",
                    "and whether the copy in the shared datasets folder matches."},
            footer = {"", "Examples:", "  headroom datasets list", "  headroom datasets list --dir /data/traces"})
    static final class ListTraces implements Callable<Integer> {
        @Option(names = "--dir", description = "The datasets folder to check (default: the shared one, ${DEFAULT-VALUE}).")
        Path dir = Traces.SHARED_ROOT;

        @Override
        public Integer call() throws IOException {
            PrintStream out = System.out;
            boolean present = Files.isDirectory(dir);
            out.println("Public traces (local copies checked in " + dir + (present ? "" : ": folder absent") + ")");
            for (Dataset d : DatasetCatalog.all()) {
                out.println();
                out.println(d.id() + (d.aliases().isEmpty() ? "" : "  (also: " + String.join(", ", d.aliases()) + ")"));
                out.println("  " + d.title());
                out.println("  source:  " + d.homepage());
                out.println("  terms:   " + d.licence());
                out.println("  data:    " + d.summary());
                for (DatasetFile f : d.files()) {
                    String state = present ? DatasetCatalog.check(dir, f).name().toLowerCase(Locale.ROOT) : "missing";
                    out.printf(Locale.ROOT, "  %-58s %,11d B  [%s]%n", f.file(), f.size(), state);
                    out.println("      sha256 " + f.sha256() + " (as stored, gzip)");
                    out.printf(Locale.ROOT, "      sha256 %s (content, %,d B)%n", f.contentSha256(), f.contentSize());
                    out.println("      " + (f.fetchable() ? "fetch from " + f.source() : "not fetchable: " + f.note()));
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Downloads a public trace and verifies every file's size and SHA-256 before keeping it.",
                    "Files are saved as published (not compressed), under the names 'datasets list' shows without .gz;",
                    "a file already there with the right checksum is kept. Any reader accepts them by path."},
            footer = {"", "Examples:",
                    "  headroom datasets fetch worldcup98 --to traces/",
                    "  headroom datasets fetch azure-functions-2019 --to traces/",
                    "", "Exit codes: 0 fetched and verified, 1 a download was wrong (checksum, size, HTTP status; nothing kept),",
                    "2 unknown name, 3 the network is closed or the host unreachable."})
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "A trace from 'headroom datasets list' (id, alias or unique prefix).")
        String name;

        @Option(names = "--to", required = true, paramLabel = "DIR", description = "Where to put the files (created if absent).")
        Path to;

        /** Replaced by tests. */
        DatasetFetcher fetcher = DatasetFetcher.standard();

        @Override
        public Integer call() throws IOException {
            Dataset d = DatasetCatalog.find(name);
            int fetched = 0;
            for (DatasetFile f : d.files()) {
                if (!f.fetchable()) {
                    System.out.println("skipped " + f.file() + ": " + f.note());
                    continue;
                }
                System.out.println("fetching " + f.source() + " ...");
                try {
                    DatasetFetcher.Result r = fetcher.fetch(f, to);
                    System.out.printf(Locale.ROOT, "  %s %s (%,d B, sha256 %s)%n", r.alreadyPresent() ? "already there:" : "verified:",
                            r.path(), r.bytes(), f.contentSha256());
                    fetched++;
                } catch (FetchException e) {
                    System.err.println("headroom: " + e.getMessage());
                    // no network: every later file would fail the same way, so stop now
                    return e.reason() == FetchException.Reason.UNREACHABLE ? ExitCodes.ENVIRONMENT : ExitCodes.FAILURE;
                }
            }
            System.out.println(fetched + " of " + d.files().size() + " file(s) of " + d.id() + " in " + to
                    + "; terms: " + d.licence());
            return ExitCodes.OK;
        }
    }
}
