package io.headroom.datasets.catalog;

import java.util.List;
import java.util.Objects;

/**
 * A public traffic trace: what it is, where it comes from, under which terms, and its files.
 *
 * @param id       the name {@code headroom datasets fetch} takes; also the folder under the shared datasets root
 * @param aliases  other accepted names
 * @param title    one line saying what it is
 * @param homepage where the trace is described by its publisher
 * @param licence  licence and terms of use, with the citation asked for
 * @param summary  granularity, span and size in one line
 * @param files    the files, in the shared folder's layout
 */
public record Dataset(String id, List<String> aliases, String title, String homepage, String licence, String summary,
                      List<DatasetFile> files) {
    public Dataset {
        Objects.requireNonNull(id, "id");
        aliases = List.copyOf(aliases);
        files = List.copyOf(files);
    }

    public long size() {
        return files.stream().mapToLong(DatasetFile::size).sum();
    }
}
