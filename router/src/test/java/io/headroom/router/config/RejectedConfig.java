package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The check of the configuration-error tests: the router refuses a configuration, and its message says where and why. */
public final class RejectedConfig {
    /**
     * The start the error tests build on: {@code router:} with pool {@code a} (its backend is never contacted); a test
     * adds further keys of {@code router:}, indented two spaces.
     */
    public static final String POOL_A = """
            router:
              pools:
                a: {backends: [127.0.0.1:9001]}
            """;

    private RejectedConfig() {
    }

    /**
     * Asserts that the router configuration {@code yaml}, read as file {@code bad.yaml}, is refused with a
     * {@link ConfigException} whose message contains each of {@code fragments} (such as {@code bad.yaml:5:}).
     */
    public static void assertRejected(String yaml, String... fragments) {
        var a = assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", yaml))).isInstanceOf(ConfigException.class);
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
    }
}
