package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.onednn;
import static adabm.backend.onednn.OneDnnTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.backend.BackendOptions;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.onnx.proto.OnnxProto;
import adabm.tensor.Tensor;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Side-by-side one-thread timing of the oneDNN backend and ONNX Runtime Java on the same random-weight networks
 * (printed, not asserted), with a check that both compute the same function. A minimal exporter writes the
 * graphs (conv, relu, add, depth-to-space only) as ONNX.
 */
@Tag("slow")
class OnnxRuntimeComparisonTest {
    @Test void edsrLikeAgainstOnnxRuntime() throws Exception {
        Random rnd = new Random(12);
        List<Op> ops = new ArrayList<>();
        ops.add(OneDnnTestSupport.conv(rnd, "head", "x", "h", 3, 64, 3, 1));
        String cur = "h";
        for (int b = 0; b < 8; b++) {
            ops.add(OneDnnTestSupport.conv(rnd, "b" + b + "a", cur, "b" + b + "x", 64, 64, 3, 1));
            ops.add(new Op.Relu("b" + b + "r", "b" + b + "x", "b" + b + "y"));
            ops.add(OneDnnTestSupport.conv(rnd, "b" + b + "b", "b" + b + "y", "b" + b + "z", 64, 64, 3, 1));
            ops.add(new Op.Add("b" + b + "add", "b" + b + "z", cur, "b" + b + "o"));
            cur = "b" + b + "o";
        }
        ops.add(OneDnnTestSupport.conv(rnd, "up", cur, "u", 64, 256, 3, 1));
        ops.add(new Op.DepthToSpace("ps", "u", "s", 2, Op.ShuffleOrder.CRD));
        ops.add(OneDnnTestSupport.conv(rnd, "tail", "s", "y", 64, 3, 3, 1));
        Graph g = new Graph("edsr-like", "x", 3, ops, "y", Map.of());
        compare(g, random(rnd, 1, 3, 128, 128), 10);
    }

    @Test void tailConvAgainstOnnxRuntime() throws Exception {
        Random rnd = new Random(14);
        Graph g = new Graph("tail64to3", "x", 64, List.of(OneDnnTestSupport.conv(rnd, "c", "x", "y", 64, 3, 3, 1)), "y", Map.of());
        compare(g, random(rnd, 1, 64, 256, 256), 15);
    }

    @Test void singleConvAgainstOnnxRuntime() throws Exception {
        Random rnd = new Random(13);
        Graph g = new Graph("conv64", "x", 64, List.of(OneDnnTestSupport.conv(rnd, "c", "x", "y", 64, 64, 3, 1)), "y", Map.of());
        compare(g, random(rnd, 1, 64, 256, 256), 15);
    }

    private static void compare(Graph g, Tensor x, int runs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(toOnnx(g, x).toByteArray(), opts);
                 Plan plan = onednn().compile(g, new BackendOptions(1))) {
                Tensor ours = plan.run(x);
                float[] theirs = ortRun(env, session, x);
                double scale = 0, diff = 0;
                for (int i = 0; i < theirs.length; i++) {
                    scale = Math.max(scale, Math.abs(theirs[i]));
                    diff = Math.max(diff, Math.abs(theirs[i] - ours.data[i]));
                }
                assertTrue(diff <= 1e-5 * scale, "onednn and ONNX Runtime differ by " + diff + " at scale " + scale);
                double[] a = new double[runs], b = new double[runs];
                for (int i = 0; i < runs; i++) {   // interleaved, so both see the same machine load
                    long t0 = System.nanoTime();
                    plan.run(x);
                    long t1 = System.nanoTime();
                    ortRun(env, session, x);
                    long t2 = System.nanoTime();
                    a[i] = (t1 - t0) / 1e6;
                    b[i] = (t2 - t1) / 1e6;
                }
                Arrays.sort(a);
                Arrays.sort(b);
                System.out.printf("%s %s, 1 thread: onednn median %.1f ms (min %.1f), ONNX Runtime median %.1f ms (min %.1f): ratio %.2f%n",
                        g.name(), x.shape(), a[runs / 2], a[0], b[runs / 2], b[0], b[runs / 2] / a[runs / 2]);
            }
        }
    }

    private static float[] ortRun(OrtEnvironment env, OrtSession session, Tensor x) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data), new long[] {x.n, x.c, x.h, x.w});
             OrtSession.Result r = session.run(Map.of("x", in))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    private static OnnxProto.ModelProto toOnnx(Graph g, Tensor x) {
        OnnxProto.GraphProto.Builder gb = OnnxProto.GraphProto.newBuilder().setName(g.name());
        for (Op op : g.ops()) {
            OnnxProto.NodeProto.Builder n = OnnxProto.NodeProto.newBuilder().setName(op.name()).addOutput(op.output());
            switch (op) {
                case Op.Conv2d c -> {
                    gb.addInitializer(tensor(op.name() + ".w", c.weight(), c.outChannels(), c.inPerGroup(), c.kernelH(), c.kernelW()));
                    gb.addInitializer(tensor(op.name() + ".b", c.bias(), c.outChannels()));
                    n.setOpType("Conv").addInput(c.input()).addInput(op.name() + ".w").addInput(op.name() + ".b")
                            .addAttribute(ints("kernel_shape", c.kernelH(), c.kernelW()))
                            .addAttribute(ints("pads", c.padTop(), c.padLeft(), c.padBottom(), c.padRight()))
                            .addAttribute(OnnxProto.AttributeProto.newBuilder().setName("group").setI(c.groups())
                                    .setType(OnnxProto.AttributeProto.AttributeType.INT));
                }
                case Op.Relu r -> n.setOpType("Relu").addInput(r.input());
                case Op.Add a -> n.setOpType("Add").addInput(a.a()).addInput(a.b());
                case Op.DepthToSpace d -> n.setOpType("DepthToSpace").addInput(d.input())
                        .addAttribute(OnnxProto.AttributeProto.newBuilder().setName("blocksize").setI(d.block())
                                .setType(OnnxProto.AttributeProto.AttributeType.INT))
                        .addAttribute(OnnxProto.AttributeProto.newBuilder().setName("mode")
                                .setS(com.google.protobuf.ByteString.copyFromUtf8(d.order().name()))
                                .setType(OnnxProto.AttributeProto.AttributeType.STRING));
                default -> throw new IllegalArgumentException("exporter does not handle " + op);
            }
            gb.addNode(n);
        }
        gb.addInput(valueInfo("x", x.n, x.c, x.h, x.w));
        gb.addOutput(OnnxProto.ValueInfoProto.newBuilder().setName(g.output()).setType(OnnxProto.TypeProto.newBuilder()
                .setTensorType(OnnxProto.TypeProto.Tensor.newBuilder().setElemType(1))));
        return OnnxProto.ModelProto.newBuilder().setIrVersion(8).setGraph(gb)
                .addOpsetImport(OnnxProto.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
    }

    private static OnnxProto.TensorProto tensor(String name, float[] data, long... dims) {
        OnnxProto.TensorProto.Builder t = OnnxProto.TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) t.addDims(d);
        for (float v : data) t.addFloatData(v);
        return t.build();
    }

    private static OnnxProto.AttributeProto ints(String name, long... values) {
        OnnxProto.AttributeProto.Builder a = OnnxProto.AttributeProto.newBuilder().setName(name)
                .setType(OnnxProto.AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }

    private static OnnxProto.ValueInfoProto valueInfo(String name, long... dims) {
        OnnxProto.TensorShapeProto.Builder shape = OnnxProto.TensorShapeProto.newBuilder();
        for (long d : dims) shape.addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return OnnxProto.ValueInfoProto.newBuilder().setName(name).setType(OnnxProto.TypeProto.newBuilder()
                .setTensorType(OnnxProto.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
    }
}
