#!/usr/bin/env python3
"""Checks torch_baseline.py's plan parser, shape and MAC count and graph walk with numpy only (no torch needed):

  python3 bench/gpu/test_torch_baseline.py [FIXTURES_DIR]     (default: target/gpu-fixtures, or $ADABM_GPU_FIXTURES)

The fixture tests (GpuFixtures export output) walk the real EDSR-8 x2 and SRResNet x4 plans with the numpy op set on
the images that have a <name>.float.f32 (the oneDNN float32 plan's output) and compare; they are skipped when no
fixtures were exported. Synthetic plans cover the op kinds those two models lack; pixel-shuffle orders and nearest
resize are checked against the index formulas of the Java reference kernels (RefKernels).
"""
import os
import struct
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_baseline as tb  # noqa: E402

if __name__ == "__main__" and len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    FIXTURES = sys.argv.pop(1)
else:
    FIXTURES = os.environ.get("ADABM_GPU_FIXTURES", "target/gpu-fixtures")
# MACs per LR pixel from shared/models/MODELS.md (rounded there to 0.1 k)
MACS_PER_PIXEL = {"edsr_baseline8_x2": 782.8e3, "srresnet8_x4": 1628.4e3}


class PlanWriter:
    """Writes a plan description like PlanEncoder (version 1, or 2 with every conv unquantized unless told)."""

    def __init__(self, in_channels, version=1):
        self.in_channels, self.version, self.blobs, self.body, self.count = in_channels, version, [], [], 0

    def blob(self, values):
        self.blobs.append(np.asarray(values, dtype=np.float32).reshape(-1))
        return len(self.blobs) - 1

    def op(self, kind, inputs, *fields):
        self.body += [("I", kind), ("I", len(inputs))] + [("I", t) for t in inputs] + list(fields)
        self.count += 1
        return self.count   # the op's output tensor

    def conv(self, x, w, b, pads=(0, 0, 0, 0), groups=1, quantizer=None):
        w = np.asarray(w, dtype=np.float32)
        f = [("I", v) for v in (w.shape[1] * groups, w.shape[0], w.shape[2], w.shape[3], *pads, groups, self.blob(w), self.blob(b))]
        if self.version == 2:
            f += [("I", 0)] if quantizer is None else [("I", 1), ("I", quantizer[0])] + [("f", v) for v in quantizer[1:]]
        return self.op(tb.CONV, [x], *f)

    def bytes(self, output):
        out = struct.pack("<6I", tb.MAGIC, self.version, self.in_channels, self.count, output, len(self.blobs))
        for b in self.blobs:
            out += struct.pack("<I", b.size) + b.astype("<f4").tobytes()
        return out + b"".join(struct.pack("<" + t, v) for t, v in self.body)


def java_depth_to_space(x, b, dcr):
    n, c, h, w = x.shape
    oc = c // (b * b)
    y = np.zeros((n, oc, h * b, w * b), dtype=x.dtype)
    for s in range(n):
        for ch in range(oc):
            for i in range(b):
                for j in range(b):
                    ic = (i * b + j) * oc + ch if dcr else ch * b * b + i * b + j
                    y[s, ch, i::b, j::b] = x[s, ic]
    return y


class SyntheticPlans(unittest.TestCase):
    def test_every_op_kind_parses_walks_and_counts(self):
        rng = np.random.default_rng(0)
        p = PlanWriter(3, version=2)
        w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
        t1 = p.conv(0, w1, rng.standard_normal(8), pads=(1, 1, 1, 1), quantizer=(4, 0.5, -1.0, 2.0))
        t2 = p.op(tb.PRELU, [t1], ("I", p.blob(rng.standard_normal(8))))
        t3 = p.op(tb.LEAKY_RELU, [t2], ("f", 0.2))
        wg = rng.standard_normal((8, 4, 1, 1)).astype(np.float32)
        t4 = p.conv(t3, wg, np.zeros(8), groups=2)
        t5 = p.op(tb.ADD, [t4, t3])
        t6 = p.op(tb.AFFINE, [t5], ("I", p.blob(rng.standard_normal(8))), ("I", p.blob([0.5])))
        t7 = p.op(tb.CONCAT, [t6, t1])                                      # 16 channels
        t8 = p.op(tb.PAD, [t7], ("I", 1), ("I", 0), ("I", 0), ("I", 2), ("I", 1), ("f", 0.0))
        t9 = p.op(tb.PAD, [t8], ("I", 0), ("I", 1), ("I", 1), ("I", 0), ("I", 0), ("f", -3.0))
        w2 = rng.standard_normal((12, 16, 2, 4)).astype(np.float32)
        t10 = p.conv(t9, w2, rng.standard_normal(12), pads=(0, 1, 0, 0))     # asymmetric padding
        t11 = p.op(tb.DEPTH_TO_SPACE, [t10], ("I", 2), ("I", 1))             # DCR: 3 channels
        t12 = p.op(tb.RESIZE_NEAREST, [t11], ("I", 2))
        t13 = p.op(tb.RELU, [t12])
        sub = p.op(tb.SUB, [t13, t12])
        plan = tb.parse_plan(p.bytes(sub))
        self.assertEqual(2, plan.version)
        self.assertEqual((4, 0.5, -1.0, 2.0), tuple(plan.ops[0].f[k] for k in ("weightBits", "uw", "l", "u")))
        self.assertTrue(plan.ops[10].f["dcr"])
        self.assertTrue(plan.ops[7].f["edge"])
        self.assertEqual(-3.0, plan.ops[8].f["value"])

        h, w = 5, 6
        shapes, macs = tb.infer_shapes(plan, 3, h, w)
        # pads: t8 (h+1, w+2), t9 (h+2, w+3); conv 2x4 with left pad 1: (h+1, w+1); DCR /4 channels x2; resize x2
        self.assertEqual((12, h + 1, w + 1), shapes[t10])
        self.assertEqual((3, 4 * (h + 1), 4 * (w + 1)), shapes[sub])
        self.assertEqual(h * w * 8 * 27 + h * w * 8 * 4 + (h + 1) * (w + 1) * 12 * 16 * 8, macs)

        x = rng.uniform(0, 255, (2, 3, h, w)).astype(np.float32)
        y = tb.walk(plan, x, tb.NumpyOps, tb.param_arrays(plan))
        # the last ops, by hand: relu(r) - r = max(-r, 0), r = nearest-upsampled DCR shuffle of conv t10
        head = tb.parse_plan(p.bytes(t10))   # the same plan with conv t10 as its output
        r10 = tb.walk(head, x, tb.NumpyOps, tb.param_arrays(head))
        self.assertEqual((2,) + shapes[t10], r10.shape)
        r = java_depth_to_space(r10, 2, True).repeat(2, axis=2).repeat(2, axis=3)
        np.testing.assert_array_equal(np.maximum(-r, 0), y)

    def test_pixel_shuffle_orders_and_resize_match_the_reference_kernels(self):
        x = np.arange(2 * 18 * 2 * 3, dtype=np.float32).reshape(2, 18, 2, 3)
        for dcr in (False, True):
            np.testing.assert_array_equal(java_depth_to_space(x, 3, dcr), tb.NumpyOps.depth_to_space(x, 3, dcr))
        y = tb.NumpyOps.resize_nearest(x, 3)
        for yy in range(6):
            for xx in range(9):
                np.testing.assert_array_equal(x[:, :, yy // 3, xx // 3], y[:, :, yy, xx])

    def test_numpy_conv_matches_direct_sum(self):
        rng = np.random.default_rng(1)
        x = rng.standard_normal((1, 4, 5, 6)).astype(np.float32)
        w = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
        b = rng.standard_normal(6).astype(np.float32)
        y = tb.NumpyOps.conv2d(x, w, b, (1, 0, 2, 1), 2)
        xp = np.pad(x, ((0, 0), (0, 0), (1, 2), (0, 1))).astype(np.float64)
        self.assertEqual((1, 6, 6, 6), y.shape)
        for o in range(6):
            g = o // 3
            for i in range(6):
                for j in range(6):
                    want = b[o] + np.sum(xp[0, 2 * g:2 * g + 2, i:i + 3, j:j + 2] * w[o])
                    self.assertAlmostEqual(want, y[0, o, i, j], places=4)

    def test_malformed_plans_are_rejected(self):
        p = PlanWriter(3)
        t = p.op(tb.RELU, [0])
        good = p.bytes(t)
        with self.assertRaises(tb.PlanError):
            tb.parse_plan(good + b"\0\0\0\0")
        with self.assertRaises(tb.PlanError):
            tb.parse_plan(good[:-2])
        with self.assertRaises(tb.PlanError):
            tb.parse_plan(b"XXXX" + good[4:])
        q = PlanWriter(3)
        q.op(tb.RELU, [1])   # reads its own output
        with self.assertRaises(tb.PlanError):
            tb.parse_plan(q.bytes(1))


def read_meta(path):
    keys, images = {}, []
    with open(path) as fh:
        for line in fh:
            f = line.split()
            if f and f[0] == "image":
                images.append((f[1], *map(int, f[2:9])))
            elif f:
                keys[f[0]] = f[1]
    return keys, images


@unittest.skipUnless(os.path.isdir(FIXTURES), "no GPU fixtures at %s (bench/run GpuFixtures export %s)" % (FIXTURES, FIXTURES))
class ExportedFixtures(unittest.TestCase):
    def models(self):
        return sorted(m for m in os.listdir(FIXTURES) if os.path.isfile(os.path.join(FIXTURES, m, "meta.txt")))

    def test_shapes_and_macs_match_the_fixture_and_models_md(self):
        self.assertTrue(self.models())
        for m in self.models():
            with open(os.path.join(FIXTURES, m, "plan.bin"), "rb") as fh:
                plan = tb.parse_plan(fh.read())
            keys, images = read_meta(os.path.join(FIXTURES, m, "meta.txt"))
            self.assertEqual(int(keys["ops"]), len(plan.ops))
            for name, c, h, w, oc, oh, ow, _ in images:
                shapes, _ = tb.infer_shapes(plan, c, h, w)
                self.assertEqual((oc, oh, ow), shapes[plan.output], name)
            if m in MACS_PER_PIXEL:
                _, macs = tb.infer_shapes(plan, 3, 1080, 1920)
                self.assertAlmostEqual(MACS_PER_PIXEL[m], macs / (1080 * 1920), delta=50, msg=m)

    def test_numpy_walk_reproduces_the_float_plan_output(self):
        checked = 0
        for m in self.models():
            d = os.path.join(FIXTURES, m)
            with open(os.path.join(d, "plan.bin"), "rb") as fh:
                plan = tb.parse_plan(fh.read())
            _, images = read_meta(os.path.join(d, "meta.txt"))
            for name, c, h, w, oc, oh, ow, _ in images:
                expect = os.path.join(d, name + ".float.f32")
                if not os.path.isfile(expect):
                    continue
                x = np.fromfile(os.path.join(d, name + ".in.f32"), dtype="<f4").reshape(1, c, h, w)
                y = tb.walk(plan, x, tb.NumpyOps, tb.param_arrays(plan))
                want = np.fromfile(expect, dtype="<f4").reshape(1, oc, oh, ow)
                diff = float(np.abs(y.astype(np.float64) - want).max())
                print("%s %s: numpy walk vs oneDNN float plan, max |diff| %.3g" % (m, name, diff))
                self.assertLess(diff, 0.01, "%s %s" % (m, name))   # outputs 0..255; a wrong op moves them by units
                checked += 1
        self.assertGreater(checked, 0, "no <name>.float.f32 in the fixtures")


if __name__ == "__main__":
    unittest.main(verbosity=2)
