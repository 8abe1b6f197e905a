package adabm.quant;

import java.util.Map;

/**
 * What a calibration pass found: layer sensitivity scores (adaptive layers), the percentiles that set the layer
 * offsets, the image thresholds, and the time it took.
 */
public record CalibrationReport(CalibrationMethod method, int patches, int batches, double seconds,
                                Map<String, Double> layerScores, double scoreLow, double scoreHigh,
                                double tauLow, double tauHigh) { }
