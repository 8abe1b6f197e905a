/**
 * AdaBM fine-tuning (ADABM.md §5–§6) in plain Java. {@link adabm.quant.train.Tape} records the fake-quantized
 * forward of a batch (identical to {@link adabm.quant.FakeQuantRunner}) and back-propagates to the learnable
 * quantizer parameters only, using the backward kernels {@link adabm.backend.ConvKernels} and
 * {@link adabm.quant.train.OpGrad}; {@link adabm.quant.train.FineTuneLoss} is the §6 loss (L1 + feature distillation
 * + bit penalty) with its gradient; {@link adabm.quant.train.FineTuner} runs the staged w / a / measure schedule with
 * one {@link adabm.quant.train.Adam} per stage.
 */
package adabm.quant.train;
