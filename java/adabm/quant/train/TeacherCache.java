package adabm.quant.train;

import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The float teacher's output and residual taps per calibration patch (ADABM.md §6), computed the first time a batch
 * holding the patch is seen and reused by every later epoch: the teacher never changes during fine-tuning, so
 * recomputing it each step only repeats a float forward (a quarter of a step's conv work). Patches are kept while
 * they fit {@code budgetBytes}; batches with a patch that does not fit are recomputed whole, as without the cache.
 * A batch assembled from the cache holds, sample for sample, what the teacher computes for that batch. Teachers come
 * channels last, as the {@link Tape} records the quantized network.
 */
final class TeacherCache {
    private record Entry(Tensor output, Map<String, Tensor> taps) { }

    private final FakeQuantRunner runner;
    private final Entry[] entries;
    private final long budgetBytes;
    private long usedBytes;

    TeacherCache(FakeQuantRunner runner, int patches, long budgetBytes) {
        this.runner = runner;
        this.entries = new Entry[patches];
        this.budgetBytes = budgetBytes;
    }

    /** The teacher of a batch stacked from the patches at {@code indices}, NHWC. */
    Teacher of(int[] indices, Tensor batch) {
        boolean cached = true;
        for (int i : indices) cached &= entries[i] != null;
        if (cached) return assemble(indices);
        Teacher t = Teacher.of(runner, batch).channelsLast();
        for (int s = 0; s < indices.length; s++) keep(indices[s], t, s);
        return t;
    }

    /** Bytes held by cached patches. */
    long usedBytes() { return usedBytes; }

    private void keep(int index, Teacher t, int sample) {
        if (entries[index] != null) return;
        long bytes = 4L * t.output().data.length / t.output().n;
        for (Tensor tap : t.taps().values()) bytes += 4L * tap.data.length / tap.n;
        if (usedBytes + bytes > budgetBytes) return;
        Map<String, Tensor> taps = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : t.taps().entrySet()) taps.put(e.getKey(), e.getValue().sample(sample));
        entries[index] = new Entry(t.output().sample(sample), taps);
        usedBytes += bytes;
    }

    private Teacher assemble(int[] indices) {
        List<Tensor> outputs = new ArrayList<>(indices.length);
        for (int i : indices) outputs.add(entries[i].output());
        Map<String, Tensor> taps = new LinkedHashMap<>();
        for (String name : entries[indices[0]].taps().keySet()) {
            List<Tensor> parts = new ArrayList<>(indices.length);
            for (int i : indices) parts.add(entries[i].taps().get(name));
            taps.put(name, Calibrator.stack(parts));
        }
        return new Teacher(Calibrator.stack(outputs), taps);
    }
}
