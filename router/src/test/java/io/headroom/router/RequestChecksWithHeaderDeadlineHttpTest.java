package io.headroom.router;

/**
 * {@link RequestChecksHttpTest} with {@code header-read-timeout} on: the header deadline then rides on the checks' receive
 * listener (Helidon 4.5.0 calls no method of a list of listeners), and both must work.
 */
class RequestChecksWithHeaderDeadlineHttpTest extends RequestChecksHttpTest {
    @Override
    String limits() {
        return "  header-read-timeout: 10s\n";
    }
}
