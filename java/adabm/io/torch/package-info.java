/**
 * PyTorch checkpoint import without Python. {@link adabm.io.torch.TorchCheckpoint} reads a state_dict from the zip
 * (torch >= 1.6) or legacy torch.save format through {@link adabm.io.torch.SafeUnpickler}, a pickle interpreter that
 * only builds data (allow-listed globals, nothing executed). {@link adabm.io.torch.TorchModels} recognises the family
 * (EDSR, RDN, SRResNet, CARN / CARN-M) and the builders in {@code adabm.io.torch.builders} turn the tensors into a
 * {@link adabm.graph.Graph} with the ONNX files' I/O convention (RGB 0..255) and node names.
 */
package adabm.io.torch;
