package adabm.backend.ref;

import adabm.ShapeException;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/** Interprets the graph op by op with {@link RefKernels}. Thread-safe: run() keeps no state between calls. */
final class ReferencePlan implements Plan {
    private final Graph graph;
    private final ForkJoinPool pool;
    private final List<List<String>> lastUsedAt = new ArrayList<>();
    private volatile boolean closed;

    ReferencePlan(Graph graph, int threads) {
        this.graph = graph;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
        Map<String, Integer> last = new HashMap<>();
        List<Op> ops = graph.ops();
        for (int i = 0; i < ops.size(); i++) for (String in : ops.get(i).inputs()) last.put(in, i);
        for (int i = 0; i < ops.size(); i++) lastUsedAt.add(new ArrayList<>());
        last.forEach((name, i) -> { if (!name.equals(graph.output())) lastUsedAt.get(i).add(name); });
    }

    @Override public Tensor run(Tensor input) {
        if (closed) throw new IllegalStateException("plan for " + graph.name() + " is closed");
        if (input.c != graph.inputChannels())
            throw new ShapeException("input has " + input.c + " channels, graph " + graph.name() + " expects " + graph.inputChannels());
        graph.inferShapes(input.h, input.w);   // clear error before any work
        Map<String, Tensor> values = new HashMap<>();
        values.put(graph.input(), input);
        List<Op> ops = graph.ops();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            values.put(op.output(), RefKernels.apply(op, values, pool));
            for (String dead : lastUsedAt.get(i)) values.remove(dead);   // bound memory to the live tensors
        }
        return values.get(graph.output());
    }

    @Override public void close() {
        closed = true;
        if (pool != null) pool.shutdown();
    }
}
