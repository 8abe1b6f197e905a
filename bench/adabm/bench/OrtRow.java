package adabm.bench;

import adabm.perf.BenchRow;
import adabm.tensor.Tensor;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/** ONNX Runtime Java (CPU, all graph optimizations, sequential) on an ONNX model, as a row of the backend comparison. */
final class OrtRow implements BenchRow {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String input, precision;
    private final double fab;

    OrtRow(byte[] model, String precision, double fab, int threads) throws OrtException {
        this.precision = precision;
        this.fab = fab;
        options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(model, options);
        input = session.getInputNames().iterator().next();
    }

    /** How many QLinearConv nodes ONNX Runtime's optimized graph of this model has (int8 convs actually used). */
    static long fusedConvs(byte[] model) throws Exception {
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile("adabm-ort-opt", ".onnx");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setOptimizedModelFilePath(tmp.toString());
            OrtEnvironment.getEnvironment().createSession(model, so).close();
            return adabm.io.onnx.proto.OnnxProto.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(tmp)).getGraph().getNodeList()
                    .stream().filter(n -> n.getOpType().equals("QLinearConv")).count();
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    @Override public String backend() { return "onnxruntime"; }
    @Override public String precision() { return precision; }

    @Override public Output run(Tensor lr) {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(lr.data), new long[] {lr.n, lr.c, lr.h, lr.w});
             OrtSession.Result r = session.run(Map.of(input, in))) {
            OnnxTensor o = (OnnxTensor) r.get(0);
            long[] s = o.getInfo().getShape();
            Tensor out = new Tensor((int) s[0], (int) s[1], (int) s[2], (int) s[3]);
            o.getFloatBuffer().get(out.data);
            return new Output(out, fab);
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime run failed: " + e.getMessage(), e);
        }
    }

    @Override public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
        options.close();
    }
}
