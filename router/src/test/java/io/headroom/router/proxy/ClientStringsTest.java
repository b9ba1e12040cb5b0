package io.headroom.router.proxy;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-connection client strings written upstream: the same text as formatting them per request would give. */
class ClientStringsTest {
    @Test
    void aConnectionsRepeatedRequestsGetTheSameStringsWithoutFormattingThemAgain() throws UnknownHostException {
        ProxyHandler.ClientStrings cs = new ProxyHandler.ClientStrings();
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 40000);
        String client = cs.client(a);
        assertThat(client).isEqualTo("10.1.2.3");
        String fwd = cs.forwarded(false, "example.test");
        assertThat(fwd).isEqualTo("for=10.1.2.3;proto=http;host=\"example.test\"");
        // the next request on the connection: the very same strings
        assertThat(cs.client(a)).isSameAs(client);
        assertThat(cs.forwarded(false, new String("example.test"))).isSameAs(fwd);
    }

    @Test
    void aChangedHostSchemeOrPeerIsFormattedAfresh() throws UnknownHostException {
        ProxyHandler.ClientStrings cs = new ProxyHandler.ClientStrings();
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 40000);
        cs.client(a);
        assertThat(cs.forwarded(false, "a.test")).isEqualTo("for=10.1.2.3;proto=http;host=\"a.test\"");
        assertThat(cs.forwarded(false, "b.test")).isEqualTo("for=10.1.2.3;proto=http;host=\"b.test\"");
        assertThat(cs.forwarded(false, null)).isEqualTo("for=10.1.2.3;proto=http");
        assertThat(cs.forwarded(true, null)).isEqualTo("for=10.1.2.3;proto=https");
        // another connection's peer on the same thread (an HTTP/2 stream, a new connection): its own address
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 40001);
        assertThat(cs.client(v6)).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(cs.forwarded(true, null)).isEqualTo("for=\"[0:0:0:0:0:0:0:1]\";proto=https");
        // an equal address in another object is formatted again, with the same result
        InetSocketAddress same = new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 1, 2, 3}), 40000);
        assertThat(cs.client(same)).isEqualTo("10.1.2.3");
        assertThat(cs.forwarded(true, null)).isEqualTo("for=10.1.2.3;proto=https");
    }

    @Test
    void anAddressWithoutAnIpIsUnknown() {
        ProxyHandler.ClientStrings cs = new ProxyHandler.ClientStrings();
        assertThat(cs.client(InetSocketAddress.createUnresolved("somewhere", 1))).isEqualTo("unknown");
        assertThat(cs.client(null)).isEqualTo("unknown");
        assertThat(cs.forwarded(false, null)).isEqualTo("for=unknown;proto=http");
    }
}
