package io.headroom.router.net;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Test support: runs a body on a lane carrier's virtual thread and gives back what it returned or threw. */
public final class OnCarrier {
    private OnCarrier() {
    }

    /** Runs {@code body} on the next carrier; fails when there are no carriers here, or after 60 s. */
    public static <T> T call(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = LaneCarriers.start(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        assertThat(t).as(String.valueOf(LaneCarriers.unavailable())).isNotNull();
        try {
            return result.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    /** Whether carriers are expected here: Linux on x86-64 or AArch64, JDK 24 or later (the build's test JVMs open what they need). */
    public static boolean expectedHere() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && Runtime.version().feature() >= 24
                && java.util.List.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"));
    }
}
