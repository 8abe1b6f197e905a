package adabm.cli;

import adabm.backend.onednn.NativeCpu;
import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "info", mixinStandardHelpOptions = true, description = "Prints a model's layers, parameters, MACs per LR pixel and op counts.")
final class InfoCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Override public Integer call() throws Exception {
        Graph g = model.loadGraph();
        int probe = 64;
        Map<String, Graph.Shape> shapes = g.inferShapes(probe, probe);
        System.out.printf("model  %s%nfile   %s%nscale  x%d%n", g.name(), model.model, g.scale());
        System.out.printf("%n%-28s %-13s %-16s %-7s %-6s %14s%n", "layer", "op", "shape (64x64 in)", "kernel", "groups", "MACs/LR px");
        Map<String, Integer> counts = new TreeMap<>();
        for (Op op : g.ops()) {
            String kind = op.getClass().getSimpleName();
            counts.merge(kind, 1, Integer::sum);
            Graph.Shape s = shapes.get(op.output());
            if (op instanceof Op.Conv2d c) {
                long macs = c.macsPerPixel() * s.h() * s.w() / (probe * probe);
                System.out.printf("%-28s %-13s %-16s %-7s %-6d %,14d%n", op.name(), kind, s, c.kernelH() + "x" + c.kernelW(), c.groups(), macs);
            } else {
                System.out.printf("%-28s %-13s %-16s%n", op.name(), kind, s);
            }
        }
        System.out.printf("%nparameters       %,d%n", g.parameterCount());
        System.out.printf("MACs per LR px   %,d%n", g.macs(probe, probe) / (probe * probe));
        System.out.printf("ops              %s%n", counts);
        // which native library this JVM found (-Dadabm.native.dir, native/ beside the jar, or the jar's own copy)
        System.out.printf("native library   %s%n", NativeCpu.describeLibrary());
        return 0;
    }
}
