/**
 * The quantized-model artifact: {@link adabm.quant.artifact.QuantArtifact} writes and reads one versioned JSON file
 * per quantized model (every quantizer parameter, both bit maps, the settings and where the calibration data came
 * from), bound to its float model by {@link adabm.graph.GraphDigest}. Reading checks format, version, a checksum
 * over the content, the digest, and every field against the layer table the graph and spec derive.
 */
package adabm.quant.artifact;
