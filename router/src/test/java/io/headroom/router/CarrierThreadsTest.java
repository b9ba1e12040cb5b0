package io.headroom.router;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CarrierThreadsTest {
    @Test
    void aSingleCpuGetsTwoCarriersUnlessTheUserChose() {
        assertThat(CarrierThreads.parallelismFor(1, null)).isEqualTo("2");
        assertThat(CarrierThreads.parallelismFor(1, "1")).isNull(); // the user's choice stands
        assertThat(CarrierThreads.parallelismFor(2, null)).isNull(); // the JDK's default is already 2
        assertThat(CarrierThreads.parallelismFor(16, null)).isNull();
    }
}
