package io.headroom.router.route;

import io.helidon.http.HeaderName;

import java.util.List;

/** What route matching reads from a request; the proxy adapts Helidon's request, tests write their own. */
public interface RequestView {
    /** Method name, upper case. */
    String method();

    /** The {@code Host} (or :authority), possibly with a port; null if absent. */
    String host();

    /** The raw path, without the query. */
    String path();

    /** Every value of a header (empty if absent). */
    List<String> headerValues(HeaderName name);

    /** The first value of a query parameter, or null. */
    String query(String name);
}
