#!/usr/bin/env python3
"""PyTorch baseline for issue 5 (must-hold 2): the same network as an adabm plan description, in PyTorch.

Reads a plan description (native/src/plan_format.h, versions 1 and 2; a version-2 plan's quantizer fields are read
and ignored: this is the float model), builds it from torch.nn.functional ops and times it on the GPU:

  python3 bench/gpu/torch_baseline.py PLAN.bin --height 1080 --width 1920 --batch 1 --batch 4 --dtype fp16
      cudnn.benchmark, channels_last, model and input in the dtype, inference_mode; warm-up, then --repeats x
      --frames frames timed with CUDA events (input already on the device: compute only); one JSON line per batch:
      {"dtype","batch","height","width","frames_per_s","ms_per_frame","tflops", ...} (tflops = 2 x conv MACs per frame)

  python3 bench/gpu/torch_baseline.py PLAN.bin --check IN.f32 --shape c,h,w --expect OUT.f32 [--tolerance 0.01]
      runs the model in float32 (TF32 off) on that NCHW float32 input and prints the max |difference| against the
      expected float32 output (e.g. a GpuFixtures <name>.float.f32); exit 1 above the tolerance. Also prints the fp16
      difference for information.

The plan parser, the shape and MAC count and the graph walk need only numpy (and the walk takes any op set), so
bench/gpu/test_torch_baseline.py checks them here with a numpy op set; torch is imported only to run.
"""
import argparse
import json
import math
import statistics
import struct
import sys

import numpy as np

MAGIC = 0x50424441
CONV, RELU, PRELU, LEAKY_RELU, ADD, SUB, AFFINE, CONCAT, DEPTH_TO_SPACE, PAD, RESIZE_NEAREST = range(1, 12)
KIND_NAMES = {CONV: "conv", RELU: "relu", PRELU: "prelu", LEAKY_RELU: "leaky_relu", ADD: "add", SUB: "sub",
              AFFINE: "affine", CONCAT: "concat", DEPTH_TO_SPACE: "depth_to_space", PAD: "pad",
              RESIZE_NEAREST: "resize_nearest"}


class PlanError(ValueError):
    pass


class Op:
    """One op of the plan: kind, input tensor ids (0 = graph input, i + 1 = output of op i) and its fields."""

    def __init__(self, index, kind, inputs):
        self.index, self.kind, self.inputs, self.f = index, kind, inputs, {}

    def __repr__(self):
        return "op %d %s %s %s" % (self.index, KIND_NAMES[self.kind], self.inputs, self.f)


class Plan:
    def __init__(self, version, in_channels, output, blobs, ops):
        self.version, self.in_channels, self.output, self.blobs, self.ops = version, in_channels, output, blobs, ops


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def u32(self, what):
        if self.pos + 4 > len(self.data):
            raise PlanError("byte %d: truncated while reading %s" % (self.pos, what))
        v = struct.unpack_from("<I", self.data, self.pos)[0]
        self.pos += 4
        return v

    def f32(self, what):
        return struct.unpack("<f", struct.pack("<I", self.u32(what)))[0]

    def floats(self, count):
        if self.pos + 4 * count > len(self.data):
            raise PlanError("byte %d: truncated blob of %d floats" % (self.pos, count))
        v = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).astype(np.float32)
        self.pos += 4 * count
        return v


def parse_plan(data):
    """The plan description's fields, checked as far as the walk needs (the native parser checks the rest)."""
    r = _Reader(bytes(data))
    if r.u32("magic") != MAGIC:
        raise PlanError("bad magic: not an adabm plan description")
    version = r.u32("version")
    if version not in (1, 2):
        raise PlanError("unsupported plan version %d" % version)
    in_channels, op_count, output, blob_count = (r.u32(w) for w in ("inputChannels", "opCount", "outputTensor", "blobCount"))
    blobs = [r.floats(r.u32("blob length")) for _ in range(blob_count)]

    def blob(what):
        b = r.u32(what)
        if b >= len(blobs):
            raise PlanError("op %d: %s refers to blob %d of %d" % (i, what, b, len(blobs)))
        return b

    ops = []
    for i in range(op_count):
        kind = r.u32("op kind")
        if kind not in KIND_NAMES:
            raise PlanError("op %d: unknown kind %d" % (i, kind))
        inputs = [r.u32("op input") for _ in range(r.u32("op input count"))]
        if not inputs or any(t > i for t in inputs):
            raise PlanError("op %d (%s): bad inputs %s" % (i, KIND_NAMES[kind], inputs))
        op = Op(i, kind, inputs)
        f = op.f
        if kind == CONV:
            for k in ("inC", "outC", "kh", "kw", "padT", "padL", "padB", "padR", "groups"):
                f[k] = r.u32("conv " + k)
            f["weight"], f["bias"] = blob("conv weight blob"), blob("conv bias blob")
            if blobs[f["weight"]].size != f["outC"] * (f["inC"] // f["groups"]) * f["kh"] * f["kw"]:
                raise PlanError("op %d: conv weight blob size %d does not match its shape" % (i, blobs[f["weight"]].size))
            if version == 2 and r.u32("conv quantized flag"):  # the fake quantizer: not used by a float model
                f["weightBits"] = r.u32("conv weight bits")
                f["uw"], f["l"], f["u"] = r.f32("uw"), r.f32("l"), r.f32("u")
        elif kind == PRELU:
            f["slope"] = blob("prelu slope blob")
        elif kind == LEAKY_RELU:
            f["alpha"] = r.f32("leaky relu alpha")
        elif kind == AFFINE:
            f["scale"], f["shift"] = blob("affine scale blob"), blob("affine shift blob")
        elif kind == DEPTH_TO_SPACE:
            f["block"], f["dcr"] = r.u32("block"), r.u32("order") == 1
        elif kind == PAD:
            for k in ("top", "left", "bottom", "right"):
                f[k] = r.u32("pad " + k)
            f["edge"], f["value"] = r.u32("pad mode") == 1, r.f32("pad value")
        elif kind == RESIZE_NEAREST:
            f["scale"] = r.u32("resize scale")
        ops.append(op)
    if r.pos != len(r.data):
        raise PlanError("%d trailing bytes after the last op" % (len(r.data) - r.pos))
    if output > op_count:
        raise PlanError("output tensor %d does not exist" % output)
    return Plan(version, in_channels, output, blobs, ops)


def infer_shapes(plan, c, h, w):
    """(C, H, W) of every tensor for one image of c x h x w, and the conv multiply-accumulates per image."""
    if c != plan.in_channels:
        raise PlanError("input has %d channels, the plan expects %d" % (c, plan.in_channels))
    shapes, macs = [(c, h, w)], 0
    for op in plan.ops:
        f, ins = op.f, [shapes[t] for t in op.inputs]
        ic, ih, iw = ins[0]
        if op.kind == CONV:
            if ic != f["inC"]:
                raise PlanError("op %d: conv expects %d channels, gets %d" % (op.index, f["inC"], ic))
            oh, ow = ih + f["padT"] + f["padB"] - f["kh"] + 1, iw + f["padL"] + f["padR"] - f["kw"] + 1
            s = (f["outC"], oh, ow)
            macs += oh * ow * f["outC"] * (f["inC"] // f["groups"]) * f["kh"] * f["kw"]
        elif op.kind in (ADD, SUB):
            if ins[0] != ins[1]:
                raise PlanError("op %d: %s of %s and %s" % (op.index, KIND_NAMES[op.kind], ins[0], ins[1]))
            s = ins[0]
        elif op.kind == CONCAT:
            if any(t[1:] != ins[0][1:] for t in ins):
                raise PlanError("op %d: concat of %s" % (op.index, ins))
            s = (sum(t[0] for t in ins), ih, iw)
        elif op.kind == DEPTH_TO_SPACE:
            b = f["block"]
            if ic % (b * b):
                raise PlanError("op %d: %d channels for block %d" % (op.index, ic, b))
            s = (ic // (b * b), ih * b, iw * b)
        elif op.kind == PAD:
            s = (ic, ih + f["top"] + f["bottom"], iw + f["left"] + f["right"])
        elif op.kind == RESIZE_NEAREST:
            s = (ic, ih * f["scale"], iw * f["scale"])
        else:
            s = ins[0]
        shapes.append(s)
    return shapes, macs


def last_uses(plan):
    """For each op, the tensors it reads for the last time (so the walk frees them: full-HD activations are large)."""
    last = {}
    for op in plan.ops:
        for t in op.inputs:
            last[t] = op.index
    last[plan.output] = len(plan.ops)
    frees = [[] for _ in plan.ops]
    for t, i in last.items():
        if i < len(plan.ops):
            frees[i].append(t)
    return frees


def walk(plan, x, ops, params, frees=None):
    """Runs the plan on x with an op set (numpy or torch); params[b] is blob b as that op set wants it."""
    frees = frees if frees is not None else last_uses(plan)
    tensors = {0: x}
    for op in plan.ops:
        f, ins = op.f, [tensors[t] for t in op.inputs]
        if op.kind == CONV:
            y = ops.conv2d(ins[0], params[("conv", op.index)], params[f["bias"]],
                           (f["padT"], f["padL"], f["padB"], f["padR"]), f["groups"])
        elif op.kind == RELU:
            y = ops.relu(ins[0])
        elif op.kind == PRELU:
            y = ops.prelu(ins[0], params[f["slope"]])
        elif op.kind == LEAKY_RELU:
            y = ops.leaky_relu(ins[0], f["alpha"])
        elif op.kind == ADD:
            y = ins[0] + ins[1]
        elif op.kind == SUB:
            y = ins[0] - ins[1]
        elif op.kind == AFFINE:
            y = ops.affine(ins[0], params[("channel", f["scale"])], params[("channel", f["shift"])])
        elif op.kind == CONCAT:
            y = ops.cat(ins)
        elif op.kind == DEPTH_TO_SPACE:
            y = ops.depth_to_space(ins[0], f["block"], f["dcr"])
        elif op.kind == PAD:
            y = ops.pad(ins[0], (f["top"], f["left"], f["bottom"], f["right"]), f["edge"], f["value"])
        else:
            y = ops.resize_nearest(ins[0], f["scale"])
        tensors[op.index + 1] = y
        for t in frees[op.index]:
            if t != op.index + 1:
                del tensors[t]
    return tensors[plan.output]


def param_arrays(plan):
    """The arrays the walk reads, shaped for the ops: conv weights OIHW (keyed per conv: convs may share one blob),
    biases and PReLU slopes flat (blob index), affine scale and shift 1xCx1x1."""
    params = {}
    for op in plan.ops:
        f = op.f
        if op.kind == CONV:
            params[("conv", op.index)] = plan.blobs[f["weight"]].reshape(f["outC"], f["inC"] // f["groups"], f["kh"], f["kw"])
            params[f["bias"]] = plan.blobs[f["bias"]]
        elif op.kind == PRELU:
            params[f["slope"]] = plan.blobs[f["slope"]]
        elif op.kind == AFFINE:
            for b in (f["scale"], f["shift"]):
                params[("channel", b)] = plan.blobs[b].reshape(1, -1, 1, 1)
    return params


class NumpyOps:
    """The op set in numpy (float64 sums): slow, for checking the walk on small images where no torch is installed."""

    @staticmethod
    def conv2d(x, w, b, pads, groups):
        t, l, bo, r = pads
        x = np.pad(x, ((0, 0), (0, 0), (t, bo), (l, r)))
        n, c, h, wd = x.shape
        o, ipg, kh, kw = w.shape
        oh, ow = h - kh + 1, wd - kw + 1
        opg = o // groups
        y = np.empty((n, o, oh, ow), dtype=np.float64)
        for g in range(groups):
            xg = x[:, g * ipg:(g + 1) * ipg].astype(np.float64)
            cols = np.empty((n, ipg, kh, kw, oh, ow), dtype=np.float64)
            for i in range(kh):
                for j in range(kw):
                    cols[:, :, i, j] = xg[:, :, i:i + oh, j:j + ow]
            wg = w[g * opg:(g + 1) * opg].reshape(opg, -1).astype(np.float64)
            y[:, g * opg:(g + 1) * opg] = np.einsum("ok,nkp->nop", wg, cols.reshape(n, -1, oh * ow)).reshape(n, opg, oh, ow)
        return (y + b.reshape(1, -1, 1, 1)).astype(np.float32)

    @staticmethod
    def relu(x):
        return np.maximum(x, 0)

    @staticmethod
    def prelu(x, slope):
        return np.where(x >= 0, x, x * slope.reshape(1, -1, 1, 1)).astype(np.float32)

    @staticmethod
    def leaky_relu(x, alpha):
        return np.where(x >= 0, x, x * np.float32(alpha)).astype(np.float32)

    @staticmethod
    def affine(x, scale, shift):
        return (x * scale + shift).astype(np.float32)

    @staticmethod
    def cat(xs):
        return np.concatenate(xs, axis=1)

    @staticmethod
    def depth_to_space(x, b, dcr):
        n, c, h, w = x.shape
        oc = c // (b * b)
        if dcr:   # channel (i * b + j) * oc + c
            return x.reshape(n, b, b, oc, h, w).transpose(0, 3, 4, 1, 5, 2).reshape(n, oc, h * b, w * b)
        return x.reshape(n, oc, b, b, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, oc, h * b, w * b)

    @staticmethod
    def pad(x, pads, edge, value):
        t, l, b, r = pads
        width = ((0, 0), (0, 0), (t, b), (l, r))
        return np.pad(x, width, mode="edge") if edge else np.pad(x, width, constant_values=value)

    @staticmethod
    def resize_nearest(x, s):
        return x.repeat(s, axis=2).repeat(s, axis=3)


def torch_ops():
    """The op set in torch.nn.functional."""
    import torch
    import torch.nn.functional as F

    class TorchOps:
        @staticmethod
        def conv2d(x, w, b, pads, groups):
            t, l, bo, r = pads
            if t == bo and l == r:
                return F.conv2d(x, w, b, padding=(t, l), groups=groups)
            return F.conv2d(F.pad(x, (l, r, t, bo)), w, b, groups=groups)

        relu = staticmethod(F.relu)

        @staticmethod
        def prelu(x, slope):
            return F.prelu(x, slope)

        @staticmethod
        def leaky_relu(x, alpha):
            return F.leaky_relu(x, alpha)

        @staticmethod
        def affine(x, scale, shift):
            return x * scale + shift

        @staticmethod
        def cat(xs):
            return torch.cat(xs, dim=1)

        @staticmethod
        def depth_to_space(x, b, dcr):
            if not dcr:
                return F.pixel_shuffle(x, b)
            n, c, h, w = x.shape
            oc = c // (b * b)
            return x.reshape(n, b, b, oc, h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, oc, h * b, w * b)

        @staticmethod
        def pad(x, pads, edge, value):
            t, l, b, r = pads
            return F.pad(x, (l, r, t, b), mode="replicate") if edge else F.pad(x, (l, r, t, b), mode="constant", value=value)

        @staticmethod
        def resize_nearest(x, s):
            return x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)

    return TorchOps


def torch_module(plan):
    """The plan as a torch.nn.Module: every parameter array a buffer (so .to(dtype, memory_format) converts it)."""
    import torch

    ops, frees = torch_ops(), last_uses(plan)

    class PlanModule(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.keys = {}
            for k, v in param_arrays(plan).items():
                name = "p_" + ("_".join(str(p) for p in k) if isinstance(k, tuple) else str(k))
                self.register_buffer(name, torch.from_numpy(np.ascontiguousarray(v)))
                self.keys[k] = name

        def forward(self, x):
            params = {k: getattr(self, n) for k, n in self.keys.items()}
            return walk(plan, x, ops, params, frees)

    return PlanModule().eval()


DTYPES = {"fp16": "float16", "bf16": "bfloat16", "fp32": "float32"}


def benchmark(plan, args):
    import torch

    torch.backends.cudnn.benchmark = True
    dtype = getattr(torch, DTYPES[args.dtype])
    dev = torch.device("cuda")
    model = torch_module(plan).to(device=dev, dtype=dtype, memory_format=torch.channels_last)
    _, macs = infer_shapes(plan, plan.in_channels, args.height, args.width)
    for batch in args.batch:
        x = (torch.rand(batch, plan.in_channels, args.height, args.width, device=dev) * 255).to(dtype)
        x = x.contiguous(memory_format=torch.channels_last)
        passes = max(1, args.frames // batch)
        times = []
        with torch.inference_mode():
            for _ in range(args.warmup):
                y = model(x)
            torch.cuda.synchronize()
            for _ in range(args.repeats):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                for _ in range(passes):
                    y = model(x)
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end) / (passes * batch))
        ms = statistics.median(times)
        print(json.dumps({"dtype": args.dtype, "batch": batch, "height": args.height, "width": args.width,
                          "frames_per_s": round(1000.0 / ms, 3), "ms_per_frame": round(ms, 4),
                          "tflops": round(2.0 * macs * (1000.0 / ms) / 1e12, 3),
                          "gmacs_per_frame": round(macs / 1e9, 3), "out_shape": list(y.shape),
                          "output_finite": bool(torch.isfinite(y).all().item()), "copies": False,
                          "tf32": bool(torch.backends.cudnn.allow_tf32) if args.dtype == "fp32" else None,
                          "device": torch.cuda.get_device_name(dev), "torch": torch.__version__}), flush=True)
        del x, y
        torch.cuda.empty_cache()


def check(plan, args):
    import torch

    c, h, w = (int(v) for v in args.shape.split(","))
    x = np.fromfile(args.check, dtype="<f4")
    want = np.fromfile(args.expect, dtype="<f4")
    if x.size != c * h * w:
        raise PlanError("%s holds %d floats, --shape %s needs %d" % (args.check, x.size, args.shape, c * h * w))
    shapes, _ = infer_shapes(plan, c, h, w)
    oc, oh, ow = shapes[plan.output]
    if want.size != oc * oh * ow:
        raise PlanError("%s holds %d floats, the plan's output is %dx%dx%d" % (args.expect, want.size, oc, oh, ow))
    torch.backends.cuda.matmul.allow_tf32 = False   # float32 means float32 here: TF32 convs differ by ~1e-3 relative
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    result = {"check": args.check, "device": str(dev)}
    for name, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        if dtype == torch.float16 and dev.type != "cuda":
            continue
        model = torch_module(plan).to(device=dev, dtype=dtype, memory_format=torch.channels_last)
        xt = torch.from_numpy(x.reshape(1, c, h, w)).to(device=dev, dtype=dtype).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            got = model(xt).float().cpu().numpy().reshape(-1)
        d = np.abs(got.astype(np.float64) - want)
        result[name + "_max_abs_diff"] = float(d.max()) if np.isfinite(d).all() else math.inf
        result[name + "_mean_abs_diff"] = float(d.mean())
    result["tolerance"] = args.tolerance
    result["pass"] = result["fp32_max_abs_diff"] <= args.tolerance
    print(json.dumps(result), flush=True)
    return result["pass"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("plan", help="plan description (GpuFixtures plan.bin, PlanEncoder version 1 or 2)")
    p.add_argument("--height", type=int, default=1080)
    p.add_argument("--width", type=int, default=1920)
    p.add_argument("--batch", type=int, action="append", help="batch size; repeat for several (default 1)")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="fp16")
    p.add_argument("--warmup", type=int, default=3, help="untimed passes per batch size (cudnn.benchmark tunes on the first)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--frames", type=int, default=10, help="frames per timed repeat (rounded down to whole batches)")
    p.add_argument("--check", metavar="IN.f32", help="check mode: NCHW float32 input of one image")
    p.add_argument("--shape", metavar="c,h,w", help="the --check input's shape")
    p.add_argument("--expect", metavar="OUT.f32", help="the float model's expected output for --check")
    p.add_argument("--tolerance", type=float, default=0.01, help="max |difference| allowed in --check (outputs are 0..255)")
    args = p.parse_args(argv)
    with open(args.plan, "rb") as fh:
        plan = parse_plan(fh.read())
    if args.check:
        if not args.shape or not args.expect:
            p.error("--check needs --shape and --expect")
        return 0 if check(plan, args) else 1
    args.batch = args.batch or [1]
    benchmark(plan, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
