package adabm.quant.export;

import adabm.io.onnx.proto.OnnxProto;
import adabm.tensor.Tensor;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** Runs an ONNX model in ONNX Runtime (one thread, all graph optimizations) on one NCHW tensor. */
public final class OrtRun {
    private OrtRun() { }

    public static Tensor run(OnnxProto.ModelProto model, Tensor x) throws Exception { return run(model, x, null); }

    /** @param optimizedModel where ORT writes the model after its graph optimizations (null: nowhere) */
    public static Tensor run(OnnxProto.ModelProto model, Tensor x, Path optimizedModel) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (optimizedModel != null) so.setOptimizedModelFilePath(optimizedModel.toString());
            try (OrtSession s = env.createSession(model.toByteArray(), so);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data), new long[] {x.n, x.c, x.h, x.w});
                 OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), in))) {
                OnnxTensor o = (OnnxTensor) r.get(0);
                long[] shape = o.getInfo().getShape();
                Tensor out = new Tensor((int) shape[0], (int) shape[1], (int) shape[2], (int) shape[3]);
                o.getFloatBuffer().get(out.data);
                return out;
            }
        }
    }
}
