package adabm.quant;

import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.*;

/**
 * Conv roles derived from the graph's structure (ADABM.md §1), so any SR graph gets AdaBM's head/body/tail split
 * without a per-family table:
 * <ul>
 * <li>first: convs fed by the input through no other conv, plus a conv reading such a conv whose output fans out
 *     (RDN's F_0 after F_m1: the stem feature the residual paths start from);</li>
 * <li>last: convs that reach the graph output through no other conv;</li>
 * <li>upsampler: convs after the first DepthToSpace/ResizeNearest, and the straight conv chain feeding it back to
 *     the last Add/Concat (a conv reading a Concat is a body fusion conv, as CARN's c3);</li>
 * <li>body: the rest. Two kinds of 1x1 fusion conv reading a Concat are marked: local fusion (output consumed only
 *     by an Add: RDN's LFF), which AdaBM keeps at fixed base bits, and cascade fusion (output consumed only by an
 *     activation: CARN's cascading c1..c3, in every block and at the top), which the paper authors' CARN code
 *     (CADyQ's carn_cadyq.py) leaves outside the adaptively quantized set.</li>
 * </ul>
 * Residual taps are the Adds that close a residual block inside the body (one operand straight from a body conv, or
 * from one through a per-channel affine such as a batch norm; the result feeding further body convs): the features
 * the fine-tuner distils.
 */
public final class LayerRoles {
    private final Map<String, LayerRole> roles;
    private final Set<String> localFusion;
    private final Set<String> cascadeFusion;
    private final List<String> residualTaps;

    private LayerRoles(Map<String, LayerRole> roles, Set<String> localFusion, Set<String> cascadeFusion, List<String> residualTaps) {
        this.roles = Collections.unmodifiableMap(roles);
        this.localFusion = Collections.unmodifiableSet(localFusion);
        this.cascadeFusion = Collections.unmodifiableSet(cascadeFusion);
        this.residualTaps = List.copyOf(residualTaps);
    }

    /** Conv name to role, in graph order. */
    public Map<String, LayerRole> roles() { return roles; }

    public LayerRole role(String conv) {
        LayerRole r = roles.get(conv);
        if (r == null) throw new IllegalArgumentException("no conv named '" + conv + "'");
        return r;
    }

    /** Convs of one role, in graph order. */
    public List<String> withRole(LayerRole role) {
        List<String> out = new ArrayList<>();
        roles.forEach((n, r) -> { if (r == role) out.add(n); });
        return out;
    }

    /** Body convs that fuse a Concat into a residual Add (RDN's LFF). */
    public Set<String> localFusion() { return localFusion; }

    /** Body convs that fuse a Concat and pass it on through an activation (CARN's cascading convs). */
    public Set<String> cascadeFusion() { return cascadeFusion; }

    /** Names of the Add nodes that close residual blocks, in graph order. */
    public List<String> residualTaps() { return residualTaps; }

    public static LayerRoles derive(Graph graph) { return derive(graph, Map.of()); }

    /**
     * @param overrides name pattern ({@link NamePattern}) to role, applied in iteration order after derivation
     *                  (later patterns win); a pattern that matches no conv is an error, as it is surely a typo
     */
    public static LayerRoles derive(Graph graph, Map<String, LayerRole> overrides) {
        Structure s = new Structure(graph);
        Map<String, LayerRole> roles = new LinkedHashMap<>();
        List<Op.Conv2d> convs = graph.convs();
        Set<String> first = s.firstConvs(convs);
        Set<String> last = s.lastConvs();
        Set<String> ups = s.upsamplerConvs();
        for (Op.Conv2d c : convs) {
            String n = c.name();
            roles.put(n, first.contains(n) ? LayerRole.FIRST : last.contains(n) ? LayerRole.LAST
                    : ups.contains(n) ? LayerRole.UPSAMPLER : LayerRole.BODY);
        }
        overrides.forEach((pattern, role) -> {
            NamePattern p = NamePattern.of(pattern);
            boolean any = false;
            for (String n : roles.keySet()) if (p.matches(n)) { roles.put(n, role); any = true; }
            if (!any) throw new IllegalArgumentException("role override '" + pattern + "' matches no conv of " + graph.name());
        });
        Set<String> lff = new LinkedHashSet<>(), cascade = new LinkedHashSet<>();
        for (Op.Conv2d c : convs) {
            if (roles.get(c.name()) != LayerRole.BODY || !s.isFusion(c)) continue;
            List<Op> u = s.uses(c.output());
            if (u.size() == 1 && u.get(0) instanceof Op.Add) lff.add(c.name());
            else if (u.size() == 1 && Structure.activation(u.get(0))) cascade.add(c.name());
        }
        return new LayerRoles(roles, lff, cascade, s.residualTaps(roles));
    }

    /** Producer/consumer maps of the graph and the walks over them. */
    private static final class Structure {
        final Graph graph;
        final Map<String, Op> producer = new HashMap<>();
        final Map<String, List<Op>> consumers = new HashMap<>();

        Structure(Graph graph) {
            this.graph = graph;
            for (Op op : graph.ops()) {
                producer.put(op.output(), op);
                for (String in : op.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(op);
            }
        }

        static boolean pointwise(Op op) { return activation(op) || op instanceof Op.Affine; }

        List<Op> uses(String tensor) { return consumers.getOrDefault(tensor, List.of()); }

        /** True when the tensor derives from the graph input through no conv. */
        boolean convFree(String tensor, Map<String, Boolean> memo) {
            if (tensor.equals(graph.input())) return true;
            Boolean m = memo.get(tensor);
            if (m != null) return m;
            Op p = producer.get(tensor);
            boolean r = !(p instanceof Op.Conv2d);
            if (r) for (String in : p.inputs()) r &= convFree(in, memo);
            memo.put(tensor, r);
            return r;
        }

        /** The conv a tensor comes from through pointwise ops only, or null. */
        Op.Conv2d convBehindPointwise(String tensor) {
            Op p = producer.get(tensor);
            while (p != null && pointwise(p)) p = producer.get(p.inputs().get(0));
            return p instanceof Op.Conv2d c ? c : null;
        }

        /** Whether a conv's output, followed through a chain of single pointwise consumers, feeds two or more ops. */
        boolean fansOut(Op.Conv2d c) {
            String t = c.output();
            while (uses(t).size() == 1 && pointwise(uses(t).get(0))) t = uses(t).get(0).output();
            return uses(t).size() >= 2;
        }

        Set<String> firstConvs(List<Op.Conv2d> convs) {
            Map<String, Boolean> memo = new HashMap<>();
            Set<String> first = new LinkedHashSet<>();
            for (Op.Conv2d c : convs) {
                if (convFree(c.input(), memo)) { first.add(c.name()); continue; }
                Op.Conv2d before = convBehindPointwise(c.input());
                if (before != null && first.contains(before.name()) && fansOut(c)) first.add(c.name());
            }
            return first;
        }

        /** Convs from which the output is reached through no other conv. */
        Set<String> lastConvs() {
            Set<String> last = new LinkedHashSet<>();
            Deque<String> todo = new ArrayDeque<>(List.of(graph.output()));
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String t = todo.pop();
                if (!seen.add(t)) continue;
                Op p = producer.get(t);
                if (p == null) continue;
                if (p instanceof Op.Conv2d c) last.add(c.name());
                else todo.addAll(p.inputs());
            }
            return last;
        }

        Set<String> upsamplerConvs() {
            Set<String> ups = new LinkedHashSet<>();
            Op first = null;
            for (Op op : graph.ops())
                if (op instanceof Op.DepthToSpace || op instanceof Op.ResizeNearest) { first = op; break; }
            if (first == null) return ups;
            // everything downstream of the first upsampling op
            Deque<String> todo = new ArrayDeque<>(List.of(first.output()));
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String t = todo.pop();
                if (!seen.add(t)) continue;
                for (Op op : uses(t)) {
                    if (op instanceof Op.Conv2d c) ups.add(c.name());
                    todo.add(op.output());
                }
            }
            // the straight chain feeding it, back to the last merge
            String t = first.inputs().get(0);
            for (Op p = producer.get(t); p != null; p = producer.get(p.inputs().get(0))) {
                if (p instanceof Op.Add || p instanceof Op.Sub || p instanceof Op.Concat) break;
                if (p instanceof Op.Conv2d c) {
                    if (producer.get(c.input()) instanceof Op.Concat) break;
                    ups.add(c.name());
                }
            }
            return ups;
        }

        static boolean activation(Op op) {
            return op instanceof Op.Relu || op instanceof Op.PRelu || op instanceof Op.LeakyRelu;
        }

        /** A 1x1 conv over a Concat: a dense or cascading block's fusion conv. */
        boolean isFusion(Op.Conv2d c) {
            return c.kernelH() == 1 && c.kernelW() == 1 && producer.get(c.input()) instanceof Op.Concat;
        }

        List<String> residualTaps(Map<String, LayerRole> roles) {
            List<String> taps = new ArrayList<>();
            for (Op op : graph.ops()) {
                if (!(op instanceof Op.Add a)) continue;
                boolean fromBody = false;
                for (String in : a.inputs()) {
                    Op p = producer.get(in);
                    while (p instanceof Op.Affine bn) p = producer.get(bn.input());   // conv -> batch norm -> add
                    if (p instanceof Op.Conv2d c && roles.get(c.name()) == LayerRole.BODY) fromBody = true;
                }
                if (fromBody && feedsBodyConv(a.output(), roles)) taps.add(a.name());
            }
            return taps;
        }

        private boolean feedsBodyConv(String tensor, Map<String, LayerRole> roles) {
            Deque<String> todo = new ArrayDeque<>(List.of(tensor));
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String t = todo.pop();
                if (!seen.add(t)) continue;
                for (Op op : uses(t)) {
                    if (op instanceof Op.Conv2d c) { if (roles.get(c.name()) == LayerRole.BODY) return true; }
                    else todo.add(op.output());
                }
            }
            return false;
        }
    }
}
