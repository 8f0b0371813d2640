// BatchNorm1d / BatchNorm2d: normalise each channel with the batch statistics in training and
// the running ones in evaluation. Buffers are PyTorch's: running_mean, running_var and the int64
// num_batches_tracked (which drives the cumulative average when momentum is null).

import { noGrad } from '../../autograd/grad-mode.js';
import { shapeStr } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { filled } from '../../tensor/ops/convert.js';
import { batchNormLayer } from '../functional/normalization.js';
import { checkBool, checkFloatTensor, checkInt, checkNumber } from '../functional/args.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { parameterDtype } from './options.js';
import type { DType } from '../../tensor/dtype.js';

export interface BatchNormLayerOptions {
  eps?: number;
  /** Weight of each new batch in the running averages (default 0.1); null: a cumulative average. */
  momentum?: number | null;
  /** Learn a scale (weight) and shift (bias) per channel (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them evaluation uses batch statistics. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

export abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormLayerOptions, private readonly layer: string) {
    super();
    this.numFeatures = checkInt(numFeatures, layer, 'numFeatures', 0);
    this.eps = checkNumber(options.eps ?? 1e-5, layer, 'eps');
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.momentum = momentum === null ? null : checkNumber(momentum, layer, 'momentum');
    this.affine = checkBool(options.affine ?? true, layer, 'affine');
    this.trackRunningStats = checkBool(options.trackRunningStats ?? true, layer, 'trackRunningStats');
    const dtype = parameterDtype({ dtype: options.dtype }, layer);
    const c = [numFeatures];
    this.weight = this.registerParameter('weight', this.affine ? new Parameter(filled(c, dtype, 1)) : null);
    this.bias = this.registerParameter('bias', this.affine ? new Parameter(filled(c, dtype, 0)) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('running_mean', track ? filled(c, dtype, 0) : null);
    this.runningVar = this.registerBuffer('running_var', track ? filled(c, dtype, 1) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? filled([], 'int64', 0) : null);
  }

  /** The dimensionality check of the concrete layer. */
  protected abstract checkInputDim(input: Tensor): void;

  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  override forward(input: Tensor): Tensor {
    return this.normalize(input, false, false);
  }

  /** relu(forward(input)) in one pass (Sequential uses it for a BatchNorm followed by a ReLU). */
  forwardRelu(input: Tensor): Tensor {
    return this.normalize(input, true, false);
  }

  /**
   * @internal Sequential's call: forward, or forwardRelu when `relu`; `consumeInput` as in
   * batchNormLayer. Also says whether the output may be consumed in turn: no node saved it
   * without a hold (the half-precision ReLU after the batch norm saves its output).
   */
  _forwardPrivate(input: Tensor, relu: boolean, consumeInput: boolean): [Tensor, boolean] {
    return [this.normalize(input, relu, consumeInput), !relu || input.dtype === 'float32' || input.dtype === 'float64'];
  }

  private normalize(input: Tensor, relu: boolean, consumeInput: boolean): Tensor {
    checkFloatTensor(input, this.layer);
    this.checkInputDim(input);
    if (input.shape[1] !== this.numFeatures) throw new RangeError(`${this.layer}: input has ${input.shape[1]} channels, expected ${this.numFeatures} (input ${shapeStr(input.shape)})`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      factor = this.momentum === null ? 1 / this.numBatchesTracked.item() : this.momentum;
    }
    // Evaluation without running statistics normalises with the batch's, as PyTorch.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const passStats = !this.training || this.trackRunningStats;
    return batchNormLayer(input, passStats ? this.runningMean : null, passStats ? this.runningVar : null, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
    }, relu, consumeInput);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch norm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, options, 'BatchNorm2d');
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`BatchNorm2d: expected a 4-d input [N, C, H, W], got ${shapeStr(input.shape)}`);
  }
}

/** Batch norm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, options, 'BatchNorm1d');
  }

  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`BatchNorm1d: expected a 2-d or 3-d input [N, C(, L)], got ${shapeStr(input.shape)}`);
  }
}
