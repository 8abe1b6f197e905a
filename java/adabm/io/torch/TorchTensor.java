package adabm.io.torch;

import java.util.Arrays;

/**
 * One tensor of a PyTorch state_dict, converted to float32 in row-major (contiguous) order.
 * dtype is the storage class's element type ("Float", "Long", "Half", ...) so callers can refuse integer tensors.
 */
public record TorchTensor(String name, String dtype, int[] shape, float[] data) {
    public TorchTensor {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length)
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    }

    @Override public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public int dim(int i) { return shape[i]; }

    public int numel() { return data.length; }

    public boolean isFloatingPoint() {
        return dtype.equals("Float") || dtype.equals("Double") || dtype.equals("Half") || dtype.equals("BFloat16");
    }

    public String shapeString() { return Arrays.toString(shape); }
}
