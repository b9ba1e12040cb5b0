package io.headroom.router.resilience;

import io.headroom.time.Ticker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Finagle's and Envoy's retry budget: retries may add at most {@code percent}% of requests, plus a floor of
 * {@code minPerSecond} retries each second so that a quiet pool can still retry. Lock-free: every request deposits
 * {@code percent/100} of a token into one counter (capped, so a long quiet spell does not bank a storm), every retry
 * withdraws a whole token, falling back to the per-second floor when the balance is empty.
 */
public final class RetryBudget {
    private static final long UNIT = 1000; // one token in milli-tokens
    private final long deposit;
    private final long cap;
    private final int minPerSecond;
    private final Ticker ticker;
    private final AtomicLong balance = new AtomicLong();
    /** (second << 20) | retries taken from the floor in that second. */
    private final AtomicLong floor = new AtomicLong();

    public RetryBudget(int percent, int minPerSecond, Ticker ticker) {
        this.deposit = percent * UNIT / 100;
        this.cap = Math.max(UNIT, 100 * UNIT);
        this.minPerSecond = Math.min(minPerSecond, (1 << 20) - 1);
        this.ticker = ticker;
    }

    /** Called once per request (not per attempt). */
    public void deposit() {
        if (deposit == 0) {
            return;
        }
        long b = balance.get();
        if (b < cap) {
            balance.addAndGet(deposit);
        }
    }

    /** Takes one retry from the budget; false when it is spent. */
    public boolean tryWithdraw() {
        while (true) {
            long b = balance.get();
            if (b < UNIT) {
                break;
            }
            if (balance.compareAndSet(b, b - UNIT)) {
                return true;
            }
        }
        long second = ticker.read() / 1_000_000_000L;
        while (true) {
            long f = floor.get();
            long s = f >>> 20;
            long used = s == second ? f & ((1 << 20) - 1) : 0;
            if (used >= minPerSecond) {
                return false;
            }
            if (floor.compareAndSet(f, (second << 20) | (used + 1))) {
                return true;
            }
        }
    }

    /** Whole tokens banked now (tests, admin). */
    public long balance() {
        return balance.get() / UNIT;
    }
}
