package adabm.bench;

/** Runs JMH benchmarks from bench/: bench/run JmhMain [JMH args, e.g. ConvBenchmark -p size=256]. */
public final class JmhMain {
    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
