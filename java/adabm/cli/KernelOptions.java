package adabm.cli;

import adabm.backend.ConvKernels;
import picocli.CommandLine.Option;

/** --backend and --threads of commands that run fake-quantized convs on per-conv kernels (quantize, compare, bitmap). */
final class KernelOptions {
    @Option(names = "--backend", description = "java | onednn for the conv kernels (default: onednn when available, else java; on aarch64 the acl build has no "
            + "float32 training kernels, so java)")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads; 0 = all cores (default)")
    int threads;

    /** The thread count, 0 resolved to all cores. */
    int threads() { return threads > 0 ? threads : Runtime.getRuntime().availableProcessors(); }

    ConvKernels open() { return ConvKernelsChoice.open(backend, threads(), System.err); }
}
