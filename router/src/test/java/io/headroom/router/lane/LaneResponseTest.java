package io.headroom.router.lane;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the lane writes for an answer, byte for byte but the date. */
class LaneResponseTest {
    /** Every write, and how many there were. */
    private static final class Wire implements DataWriter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int writes;

        @Override
        public void write(BufferData... buffers) {
            for (BufferData b : buffers) {
                write(b);
            }
        }

        @Override
        public void write(BufferData buffer) {
            writes++;
            byte[] b = new byte[buffer.available()];
            buffer.read(b, 0, b.length);
            bytes.writeBytes(b);
        }

        @Override
        public void writeNow(BufferData... buffers) {
            write(buffers);
        }

        @Override
        public void writeNow(BufferData buffer) {
            write(buffer);
        }

        String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1).replaceAll("Date: [^\r]+\r\n", "Date: <d>\r\n");
        }
    }

    private final Wire wire = new Wire();

    private LaneResponse response(boolean head) {
        return new LaneResponse(wire, -1, new WireBuffer(64), new HeaderLines(16), new HeaderLines(16), io.helidon.http.ServerResponseHeaders.create(), head, 16);
    }

    @Test
    void aBodyGivenWholeGoesInOneWriteWithItsLength() {
        LaneResponse res = response(false);
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/plain"));
        res.append(HeaderValues.create(HeaderNames.create("X-Backend"), "b1"));
        res.send("hello".getBytes(StandardCharsets.US_ASCII));

        assertThat(wire.writes).isEqualTo(1);
        assertThat(wire.text()).isEqualTo("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Type: text/plain\r\nX-Backend: b1\r\n"
                + "Date: <d>\r\nContent-Length: 5\r\n\r\nhello");
        assertThat(res.isSent()).isTrue();
        assertThat(res.closeAfter()).isFalse();
        assertThat(res.bytesWritten()).isEqualTo(wire.bytes.size());
    }

    @Test
    void headerLinesAreWrittenAsHelidonWritesThem() {
        // several values (one line each), a line longer than the connection's scratch, a character above 0x7F and
        // one above 0xFF (both '?', as Helidon's US-ASCII encoding of a header writes them)
        var fields = java.util.List.of(
                HeaderValues.create(HeaderNames.create("X-Multi"), "a", "b, c"),
                HeaderValues.create(HeaderNames.create("X-Long"), "v".repeat(300)),
                HeaderValues.create(HeaderNames.create("X-Latin"), "caf\u00e9 \u0100"),
                HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-store"));
        LaneResponse res = response(false);
        BufferData helidon = BufferData.growing(64);
        for (var f : fields) {
            res.append(f);
            f.writeHttp1Header(helidon);
        }
        res.send();

        byte[] expected = new byte[helidon.available()];
        helidon.read(expected, 0, expected.length);
        String lines = new String(expected, StandardCharsets.ISO_8859_1);
        assertThat(lines).contains("X-Multi: a\r\nX-Multi: b, c\r\n").contains("X-Latin: caf? ?\r\n");
        assertThat(wire.text()).isEqualTo("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n" + lines + "Date: <d>\r\nContent-Length: 0\r\n\r\n");
    }

    @Test
    void aBackendsDateIsKeptAndNoSecondOneWritten() {
        LaneResponse res = response(false);
        res.append(HeaderValues.create(HeaderNames.DATE, "Mon, 30 Nov 2026 00:00:00 GMT"));
        res.status(Status.NOT_FOUND_404).send();

        assertThat(wire.bytes.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 404 Not Found\r\nConnection: keep-alive\r\n"
                + "Date: Mon, 30 Nov 2026 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n");
    }

    @Test
    void bodilessStatusesHaveNoBodyAndTheirOwnLengthRules() {
        LaneResponse noContent = response(false);
        noContent.headers().set(HeaderNames.CONTENT_LENGTH, "7");
        noContent.status(Status.NO_CONTENT_204).send();
        assertThat(wire.text()).isEqualTo("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\nDate: <d>\r\n\r\n");

        wire.bytes.reset();
        response(false).status(Status.NOT_MODIFIED_304).send();
        assertThat(wire.text()).isEqualTo("HTTP/1.1 304 Not Modified\r\nConnection: keep-alive\r\nDate: <d>\r\n\r\n");

        wire.bytes.reset();
        response(false).status(Status.RESET_CONTENT_205).send();
        assertThat(wire.text()).isEqualTo("HTTP/1.1 205 Reset Content\r\nConnection: keep-alive\r\nContent-Length: 0\r\nDate: <d>\r\n\r\n");

        assertThatThrownBy(() -> response(false).status(Status.NO_CONTENT_204).send(new byte[1]))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aHeadAnswerKeepsTheAnnouncedLengthAndSendsNoBody() {
        LaneResponse res = response(true);
        res.headers().set(HeaderNames.CONTENT_LENGTH, "1234");
        res.send();
        assertThat(wire.text()).isEqualTo("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1234\r\nDate: <d>\r\n\r\n");
        assertThatThrownBy(() -> response(true).send(new byte[1])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSmallStreamClosedBeforeItsBufferFillsIsSentWholeWithItsLength() throws IOException {
        LaneResponse res = response(false);
        OutputStream out = res.outputStream();
        out.write("0123".getBytes(StandardCharsets.US_ASCII));
        out.write("4567".getBytes(StandardCharsets.US_ASCII));
        out.close();

        assertThat(wire.writes).isEqualTo(1);
        assertThat(wire.text()).endsWith("Content-Length: 8\r\n\r\n01234567");
        assertThat(res.isSent()).isTrue();
    }

    @Test
    void aStreamWithoutLengthIsChunkedOnceFlushedOrOverItsBuffer() throws IOException {
        LaneResponse res = response(false);
        OutputStream out = res.outputStream();
        out.write("event one\n".getBytes(StandardCharsets.US_ASCII));
        out.flush(); // an SSE event: out now, as a chunk
        assertThat(wire.text()).isEqualTo("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nDate: <d>\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a\r\nevent one\n\r\n");
        out.write("a longer piece than the buffer".getBytes(StandardCharsets.US_ASCII));
        out.close();

        assertThat(wire.text()).endsWith("1e\r\na longer piece than the buffer\r\n0\r\n\r\n");
        assertThat(res.closeAfter()).isFalse();
    }

    @Test
    void aStreamWithAnAnnouncedLengthIsSentAsIsAndAShortOneClosesTheConnection() throws IOException {
        LaneResponse res = response(false);
        res.headers().set(HeaderNames.CONTENT_LENGTH, "40");
        OutputStream out = res.outputStream();
        out.write("0123456789012345678901234567890123456789".getBytes(StandardCharsets.US_ASCII));
        out.close();
        assertThat(wire.text()).endsWith("Content-Length: 40\r\nDate: <d>\r\n\r\n0123456789012345678901234567890123456789");
        assertThat(res.closeAfter()).isFalse();

        LaneResponse shortOne = response(false);
        shortOne.headers().set(HeaderNames.CONTENT_LENGTH, "40");
        OutputStream o2 = shortOne.outputStream();
        o2.write("0123456789012345678901".getBytes(StandardCharsets.US_ASCII)); // over the buffer: committed
        o2.close();
        assertThat(shortOne.closeAfter()).isTrue(); // the client would wait for 18 more bytes: end the connection
    }

    @Test
    void connectionCloseFromTheHandlerEndsTheConnection() {
        LaneResponse res = response(false);
        res.header(HeaderValues.CONNECTION_CLOSE);
        res.send();
        assertThat(wire.text()).startsWith("HTTP/1.1 200 OK\r\nConnection: close\r\n");
        assertThat(res.closeAfter()).isTrue();
    }

    @Test
    void headersCannotChangeOnceSent() {
        LaneResponse res = response(false);
        res.send();
        assertThatThrownBy(() -> res.header(HeaderValues.CONNECTION_CLOSE)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(res::send).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(res::outputStream).isInstanceOf(IllegalStateException.class);
    }
}
