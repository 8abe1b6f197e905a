package adabm.quant;

import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.*;

/**
 * A float graph plus the quantization state of each of its convs and the image bit map. Created uncalibrated:
 * run a {@link Calibrator} (or set the parameters) before a quantized forward.
 */
public final class QuantModel {
    private final Graph graph;
    private final QuantSpec spec;
    private final LayerRoles roles;
    private final Map<String, LayerQuant> layers = new LinkedHashMap<>();
    private final ImageBitMap imageMap = new ImageBitMap();

    private QuantModel(Graph graph, QuantSpec spec) {
        this.graph = graph;
        this.spec = spec;
        this.roles = LayerRoles.derive(graph, spec.roleOverrides());
        Map<String, LayerKind> kinds = new LinkedHashMap<>();
        for (Op.Conv2d c : graph.convs())
            kinds.put(c.name(), spec.kindFor(roles, c.name()));
        spec.kindOverrides().forEach((pattern, kind) -> {
            NamePattern p = NamePattern.of(pattern);
            boolean any = false;
            for (String n : kinds.keySet()) if (p.matches(n)) { kinds.put(n, kind); any = true; }
            if (!any) throw new IllegalArgumentException("kind override '" + pattern + "' matches no conv of " + graph.name());
        });
        for (Op.Conv2d c : graph.convs()) layers.put(c.name(), new LayerQuant(c, roles.role(c.name()), kinds.get(c.name()), spec));
    }

    public static QuantModel create(Graph graph, QuantSpec spec) { return new QuantModel(graph, spec); }

    public Graph graph() { return graph; }
    public QuantSpec spec() { return spec; }
    public LayerRoles roles() { return roles; }
    public ImageBitMap imageMap() { return imageMap; }

    /**
     * Whether the model carries AdaBM's bit maps (AdaBM calibration enables the image map and sets the layer
     * logits). The MinMax/Percentile baselines run at fixed bits: fine-tuning leaves their bits alone.
     */
    public boolean hasBitMaps() { return imageMap.enabled(); }

    /** Every conv's state, in graph order. */
    public Collection<LayerQuant> layers() { return Collections.unmodifiableCollection(layers.values()); }

    public LayerQuant layer(String conv) {
        LayerQuant q = layers.get(conv);
        if (q == null) throw new IllegalArgumentException("graph " + graph.name() + " has no conv '" + conv + "'");
        return q;
    }

    /**
     * FAB (ADABM.md §7) of a forward whose input has this image offset: the unweighted mean of activation bits over
     * the layers counted in FAB (adaptive and fixed-base); 32 when none counts (float, or nothing adaptive). Depends
     * only on the layer offsets and kinds, so it needs no forward pass.
     */
    public double fabFor(int imageOffset) {
        double sum = 0;
        int counted = 0;
        for (LayerQuant q : layers.values()) {
            if (!q.kind().countedInFab()) continue;
            sum += q.activationBits(imageOffset);
            counted++;
        }
        return counted == 0 ? 32.0 : sum / counted;
    }

    public List<LayerQuant> layersOfKind(LayerKind kind) {
        List<LayerQuant> out = new ArrayList<>();
        for (LayerQuant q : layers.values()) if (q.kind() == kind) out.add(q);
        return out;
    }
}
