package io.headroom.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The settings the hot-path micro-benchmarks share (JMH reads them from the superclass): average time per operation in
 * nanoseconds, 3 warm-up and 5 measured iterations of 1 s, one fork, and one state object shared by the benchmark's
 * threads. A benchmark extends it and keeps only its own {@code @Param}s, {@code @Setup} and {@code @Threads}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public abstract class NanosBenchmark {
}
