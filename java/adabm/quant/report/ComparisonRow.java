package adabm.quant.report;

import adabm.quant.QuantEvaluation;
import adabm.quant.pipeline.QuantPipeline;

/**
 * One row of the comparison: data-set means of PSNR, SSIM and FAB (32 for float32), the seconds it took to quantize
 * (patch sampling + calibration + clipping + fine-tuning; 0 for float32) and to evaluate. {@code quantization} is
 * null for float32.
 */
public record ComparisonRow(Variant variant, double psnr, double ssim, double fab, double processSeconds, double evalSeconds,
                            QuantEvaluation.Result evaluation, QuantPipeline.Result quantization) { }
