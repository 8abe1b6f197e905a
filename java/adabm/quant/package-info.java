/**
 * The AdaBM quantization core (docs/ADABM.md §1–§5, §7), in fake-quantized float32 on the Java reference kernels.
 *
 * <ul>
 * <li>{@link adabm.quant.Quantizers}, {@link adabm.quant.BitMaps}: the quantizer and bit-map math, forward next to
 *     the straight-through gradients, as static functions a fine-tuning tape can reuse.</li>
 * <li>{@link adabm.quant.LayerRoles} derives first/body/upsampler/last roles, RDN-style local fusion convs and
 *     residual-block taps from the graph; {@link adabm.quant.QuantSpec} turns roles into
 *     {@link adabm.quant.LayerKind}s for a {@link adabm.quant.QuantMode} (name-pattern overrides on both);
 *     {@link adabm.quant.QuantModel} holds each conv's {@link adabm.quant.LayerQuant} state and the
 *     {@link adabm.quant.ImageBitMap}.</li>
 * <li>{@link adabm.quant.FakeQuantRunner} executes a batch with per-image bits, FAB per image, and
 *     {@link adabm.quant.ForwardHooks} on conv inputs and residual taps.</li>
 * <li>{@link adabm.quant.CalibrationStats} / {@link adabm.quant.Calibrator}: the float calibration pass and the
 *     AdaBM, MinMax and Percentile bound settings; {@link adabm.quant.BitAwareClipping} (§5);
 *     {@link adabm.quant.CalibrationPatches}: seeded random LR patches; {@link adabm.quant.QuantEvaluation}:
 *     PSNR/SSIM with FAB.</li>
 * </ul>
 *
 * Choices where ADABM.md is silent: the baselines' weight bounds are max|W| (MinMax) and max(|p1(W)|, |p99(W)|)
 * (Percentile); a weight with no positive entry starts its bound search from max|W|; a bit width outside 2..8
 * (e.g. an adaptive layer at base 8 with a +1 offset) is an error, not clamped; a conv input that is constant over
 * the calibration set is an error. Batch norm is a float op of its own (§1), never folded into the conv whose weights
 * are quantized.
 * <p>One deviation (in {@code train}): weight bounds are learned in log space by default (relative Adam steps; see
 * {@link adabm.quant.train.FineTuner.Options#withLogWeightBounds}), because the absolute lr_w = 0.01 of §6 wrecks
 * layers whose weights are a few thousandths wide.
 */
package adabm.quant;
