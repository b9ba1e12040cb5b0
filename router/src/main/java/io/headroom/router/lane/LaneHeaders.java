package io.headroom.router.lane;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.WritableHeaders;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;

/**
 * A request's header fields as the lane's parser left them: offsets into the connection's head buffer, with no string
 * made until a field is asked for. A lookup compares the asked name, in lower case, with the stored bytes (header
 * names are ASCII tokens, checked by the parser), so {@code contains} costs a scan of a few short byte ranges and no
 * allocation. The less used parts of Helidon's interface (accepted media types, cookies, maps) are answered by
 * Helidon's own implementation over a copy made on first use.
 *
 * <p>Valid for one request: the buffer is the connection's and the next request's head overwrites it. The fields
 * handed out ({@link Header} objects, strings) are copies and stay valid.
 */
final class LaneHeaders implements ServerRequestHeaders, RawFields {
    private final byte[] buf;
    private final int[] fields; // per field: name start, name end, value start, value end
    private final int count;
    private Header[] made; // per field index: the Header for its name (all values), made on first use
    private ServerRequestHeaders helidon; // made on first use of a method answered by Helidon's implementation

    /** @param fields four offsets into {@code buf} per field, {@code count} fields */
    LaneHeaders(byte[] buf, int[] fields, int count) {
        this.buf = buf;
        this.fields = fields;
        this.count = count;
    }

    /** The index of the first field named {@code lowerName} (ASCII lower case), or -1. */
    private int indexOf(String lowerName, int from) {
        int len = lowerName.length();
        for (int i = from; i < count; i++) {
            int s = fields[i * 4];
            if (fields[i * 4 + 1] - s == len && equalsLower(s, lowerName, len)) {
                return i;
            }
        }
        return -1;
    }

    private boolean equalsLower(int s, String lowerName, int len) {
        for (int k = 0; k < len; k++) {
            int b = buf[s + k];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerName.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String value(int i) {
        int s = fields[i * 4 + 2];
        return new String(buf, s, fields[i * 4 + 3] - s, StandardCharsets.ISO_8859_1);
    }

    @Override
    public int fieldCount() {
        return count;
    }

    @Override
    public byte[] bytes() {
        return buf;
    }

    @Override
    public int nameStart(int i) {
        return fields[i * 4];
    }

    @Override
    public int nameEnd(int i) {
        return fields[i * 4 + 1];
    }

    @Override
    public int valueStart(int i) {
        return fields[i * 4 + 2];
    }

    @Override
    public int valueEnd(int i) {
        return fields[i * 4 + 3];
    }

    @Override
    public boolean nameIs(int i, String lowerName) {
        int s = fields[i * 4];
        return fields[i * 4 + 1] - s == lowerName.length() && equalsLower(s, lowerName, lowerName.length());
    }

    @Override
    public boolean nameStartsWith(int i, String lowerPrefix) {
        int s = fields[i * 4];
        return fields[i * 4 + 1] - s >= lowerPrefix.length() && equalsLower(s, lowerPrefix, lowerPrefix.length());
    }

    private String name(int i) {
        int s = fields[i * 4];
        return new String(buf, s, fields[i * 4 + 1] - s, StandardCharsets.US_ASCII);
    }

    /** The field at {@code i} with every value of its name, under {@code name} (null: the name as sent). */
    private Header header(int i, HeaderName name) {
        if (made == null) {
            made = new Header[count];
        }
        Header h = made[i];
        if (h != null) {
            return h;
        }
        if (name == null) {
            name = HeaderNames.create(name(i));
        }
        int next = indexOf(name.lowerCase(), i + 1);
        if (next < 0) {
            h = HeaderValues.create(name, value(i));
        } else {
            List<String> values = new ArrayList<>(2);
            values.add(value(i));
            for (int j = next; j >= 0; j = indexOf(name.lowerCase(), j + 1)) {
                values.add(value(j));
            }
            h = HeaderValues.create(name, values);
        }
        made[i] = h;
        return h;
    }

    @Override
    public boolean contains(HeaderName name) {
        return indexOf(name.lowerCase(), 0) >= 0;
    }

    @Override
    public boolean contains(Header header) {
        int i = indexOf(header.headerName().lowerCase(), 0);
        return i >= 0 && header(i, header.headerName()).allValues().equals(header.allValues());
    }

    @Override
    public Header get(HeaderName name) {
        int i = indexOf(name.lowerCase(), 0);
        if (i < 0) {
            throw new NoSuchElementException("Header " + name + " is not present in these headers");
        }
        return header(i, name);
    }

    @Override
    public List<String> all(HeaderName name, Supplier<List<String>> defaultSupplier) {
        int i = indexOf(name.lowerCase(), 0);
        return i < 0 ? defaultSupplier.get() : header(i, name).allValues();
    }

    @Override
    public int size() {
        int distinct = 0;
        for (int i = 0; i < count; i++) {
            if (firstOfItsName(i)) {
                distinct++;
            }
        }
        return distinct;
    }

    /** Whether no field before {@code i} has the same name (names compared case-insensitively). */
    private boolean firstOfItsName(int i) {
        int s = fields[i * 4];
        int len = fields[i * 4 + 1] - s;
        for (int j = 0; j < i; j++) {
            int t = fields[j * 4];
            if (fields[j * 4 + 1] - t == len && sameName(s, t, len)) {
                return false;
            }
        }
        return true;
    }

    private boolean sameName(int a, int b, int len) {
        for (int k = 0; k < len; k++) {
            int x = buf[a + k];
            int y = buf[b + k];
            if (x != y && (x | 0x20) != (y | 0x20)) {
                return false;
            }
        }
        return true;
    }

    /** Each name once, in the order first sent, with all its values: as Helidon's headers iterate. */
    @Override
    public Iterator<Header> iterator() {
        return new Iterator<>() {
            private int i = skipRepeats(0);

            private int skipRepeats(int from) {
                while (from < count && !firstOfItsName(from)) {
                    from++;
                }
                return from;
            }

            @Override
            public boolean hasNext() {
                return i < count;
            }

            @Override
            public Header next() {
                if (i >= count) {
                    throw new NoSuchElementException();
                }
                Header h = header(i, null);
                i = skipRepeats(i + 1);
                return h;
            }
        };
    }

    @Override
    public List<HttpMediaType> acceptedTypes() {
        return helidon().acceptedTypes();
    }

    @Override
    public io.helidon.common.parameters.Parameters cookies() {
        return helidon().cookies();
    }

    @Override
    public java.util.Map<String, List<String>> toMap() {
        return helidon().toMap();
    }

    private ServerRequestHeaders helidon() {
        if (helidon == null) {
            WritableHeaders<?> copy = WritableHeaders.create();
            for (Header h : this) {
                copy.set(h);
            }
            helidon = ServerRequestHeaders.create(copy);
        }
        return helidon;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Header h : this) {
            sb.append(h.name()).append(": ").append(h.values()).append('\n');
        }
        return sb.toString();
    }
}
