package io.headroom.router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One request written as raw bytes over a fresh loopback socket, and what came back: for tests of what the router
 * refuses, where an HTTP client library would normalise or refuse the request itself.
 *
 * @param status the answer's status, or -1 when the connection closed without an HTTP/1.1 answer
 * @param text   every byte that came back, head and body (ISO-8859-1)
 * @param closed whether the router closed the connection after the answer (within 300 ms of a complete one)
 */
record RawAnswer(int status, String text, boolean closed) {

    /** The body after the head, or "" when no complete head came back. */
    String body() {
        int end = text.indexOf("\r\n\r\n");
        return end < 0 ? "" : text.substring(end + 4);
    }

    /**
     * Writes {@code request} to 127.0.0.1:{@code port} and reads one answer, up to its Content-Length.
     *
     * @param timeoutMillis how long to wait for bytes before taking what came as the answer (connection kept alive)
     */
    static RawAnswer send(int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(timeoutMillis);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (SocketException e) {
                // the router may answer and close before it has read everything sent
            }
            return read(s);
        }
    }

    /** Reads one answer from a socket the test wrote to itself (its timeout already set), as {@link #send} does. */
    static RawAnswer read(Socket s) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean closed = false;
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
                if (complete(got.toString(StandardCharsets.ISO_8859_1))) {
                    s.setSoTimeout(300); // a complete answer: see whether the router closes the connection after it
                }
            }
            closed = true;
        } catch (SocketTimeoutException e) {
            // kept alive: what came so far is the answer
        } catch (SocketException e) {
            closed = true; // reset
        }
        String text = got.toString(StandardCharsets.ISO_8859_1);
        int status = text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
        return new RawAnswer(status, text, closed);
    }

    private static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = text.substring(0, end).toLowerCase(Locale.ROOT);
        int cl = head.indexOf("content-length:");
        if (cl < 0) {
            return true;
        }
        int eol = head.indexOf("\r\n", cl);
        long len = Long.parseLong(head.substring(cl + 15, eol < 0 ? head.length() : eol).strip());
        return text.length() - end - 4 >= len;
    }
}
