// Image transforms on [C, H, W] arrays, with torchvision's semantics and float32 arithmetic, each
// random choice drawn from the Generator the DataLoader passes in (so a batch's augmentation is a
// function of the seed and the batch index alone, whichever thread computes it). Each transform
// writes into its own reused buffer: the returned image is valid until the transform runs again.
// Every built-in transform has a JSON spec from which a worker thread rebuilds it.

import { Generator } from '../tensor/random.js';
import { chw, pixelType, Scratch, type Image, type ImageMeta, type PixelArray } from './image.js';

export interface TransformSpec {
  name: string;
  options: Record<string, unknown>;
}

export interface Transform {
  readonly name: string;
  /** The JSON description a worker thread rebuilds this transform from; null if it cannot be sent. */
  readonly spec: TransformSpec | null;
  /** The output's shape and pixel type for an input's (throws when the input does not fit). */
  describe(input: ImageMeta): ImageMeta;
  apply(image: Image, generator: Generator): Image;
}

const f32 = Math.fround;

// ---- toTensor and normalize -----------------------------------------------------------------

/** uint8 pixels to float32 in [0, 1] (v / 255, as torchvision's ToTensor); float32 passes through. */
export class ToTensor implements Transform {
  readonly name = 'toTensor';
  readonly spec: TransformSpec = { name: 'toTensor', options: {} };
  private readonly scratch = new Scratch();
  static readonly TABLE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

  describe(input: ImageMeta): ImageMeta {
    return { shape: input.shape, dtype: 'float32' };
  }

  apply(image: Image): Image {
    if (image.data instanceof Float32Array) return image;
    const src = image.data, out = this.scratch.get('float32', src.length) as Float32Array, table = ToTensor.TABLE;
    for (let i = 0; i < src.length; i++) out[i] = table[src[i]!]!;
    return { data: out, shape: image.shape };
  }
}

function channelValues(values: unknown, op: string, what: string): Float32Array {
  const arr = typeof values === 'number' ? [values] : values;
  if (!Array.isArray(arr) || arr.length === 0 || arr.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new TypeError(`${op}: expected ${what} as a finite number or an array of them, got ${JSON.stringify(values)}`);
  }
  return Float32Array.from(arr as number[]);
}

/** Per-channel (x - mean[c]) / std[c] in float32, as torchvision's Normalize. */
export class Normalize implements Transform {
  readonly name = 'normalize';
  readonly spec: TransformSpec;
  readonly mean: Float32Array;
  readonly std: Float32Array;
  private readonly scratch = new Scratch();

  constructor(mean: number | readonly number[], std: number | readonly number[]) {
    this.mean = channelValues(mean, 'normalize', 'mean');
    this.std = channelValues(std, 'normalize', 'std');
    if (this.std.some((s) => s === 0)) throw new RangeError(`normalize: std must not be zero, got [${Array.from(this.std).join(', ')}]`);
    this.spec = { name: 'normalize', options: { mean: Array.from(this.mean), std: Array.from(this.std) } };
  }

  private readonly expanded = new Map<number, [Float32Array, Float32Array]>();

  /** mean and std for each of `channels` channels (a single value serves every channel). */
  perChannel(channels: number): [Float32Array, Float32Array] {
    const known = this.expanded.get(channels);
    if (known) return known;
    const pick = (a: Float32Array, what: string): Float32Array => {
      if (a.length === 1) return new Float32Array(channels).fill(a[0]!);
      if (a.length !== channels) throw new RangeError(`normalize: ${what} has ${a.length} values but the image has ${channels} channels`);
      return a;
    };
    const both: [Float32Array, Float32Array] = [pick(this.mean, 'mean'), pick(this.std, 'std')];
    this.expanded.set(channels, both);
    return both;
  }

  describe(input: ImageMeta): ImageMeta {
    if (input.dtype !== 'float32') throw new TypeError('normalize: expects float32 input; put toTensor() before it');
    this.perChannel(chw(input.shape, 'normalize')[0]);
    return input;
  }

  apply(image: Image): Image {
    const [c, h, w] = chw(image.shape, 'normalize');
    if (!(image.data instanceof Float32Array)) throw new TypeError('normalize: expects float32 input; put toTensor() before it');
    const [mean, std] = this.perChannel(c);
    const src = image.data, out = this.scratch.get('float32', src.length, src) as Float32Array, plane = h * w;
    for (let ch = 0; ch < c; ch++) {
      const m = mean[ch]!, s = std[ch]!;
      for (let i = ch * plane, end = i + plane; i < end; i++) out[i] = f32(f32(src[i]! - m) / s);
    }
    return { data: out, shape: image.shape };
  }
}

/**
 * toTensor() followed by normalize() on uint8 input, in one pass through a 256-entry table per
 * channel holding exactly what the two steps compute. compose() uses it; not a public transform.
 */
class ScaleNormalize {
  private readonly tables = new Map<number, Float32Array>();
  private readonly scratch = new Scratch();
  constructor(private readonly normalize: Normalize) {}

  private table(channels: number): Float32Array {
    let t = this.tables.get(channels);
    if (!t) {
      const [mean, std] = this.normalize.perChannel(channels);
      t = new Float32Array(256 * channels);
      for (let c = 0; c < channels; c++) {
        for (let v = 0; v < 256; v++) t[c * 256 + v] = f32(f32(ToTensor.TABLE[v]! - mean[c]!) / std[c]!);
      }
      this.tables.set(channels, t);
    }
    return t;
  }

  apply(image: Image): Image {
    const [c, h, w] = chw(image.shape, 'normalize');
    const src = image.data as Uint8Array, table = this.table(c), plane = h * w;
    const dst = this.scratch.get('float32', src.length) as Float32Array;
    for (let ch = 0; ch < c; ch++) {
      const base = ch * 256;
      for (let i = ch * plane, end = i + plane; i < end; i++) dst[i] = table[base + src[i]!]!;
    }
    return { data: dst, shape: image.shape };
  }
}

// ---- padding and cropping -------------------------------------------------------------------

export type PadMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
const PAD_MODES: readonly PadMode[] = ['constant', 'edge', 'reflect', 'symmetric'];

export interface PadOptions {
  /** Value of new pixels in 'constant' mode (default 0). */
  fill?: number;
  /** How new pixels are made: constant fill, repeat the edge, mirror without or with the edge. */
  mode?: PadMode;
}

/** torchvision's padding forms: all sides, [left/right, top/bottom], or [left, top, right, bottom]. */
function padSides(padding: unknown, op: string): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : padding;
  if (!Array.isArray(p) || ![1, 2, 4].includes(p.length) || p.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new TypeError(`${op}: padding must be a non-negative integer or an array of 2 or 4 of them, got ${JSON.stringify(padding)}`);
  }
  const [a, b, c, d] = p as number[];
  return p.length === 1 ? [a!, a!, a!, a!] : p.length === 2 ? [a!, b!, a!, b!] : [a!, b!, c!, d!];
}

function checkPadOptions(options: PadOptions, op: string): Required<PadOptions> {
  const mode = options.mode ?? 'constant';
  if (!PAD_MODES.includes(mode)) throw new TypeError(`${op}: mode must be one of ${PAD_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const fill = options.fill ?? 0;
  if (typeof fill !== 'number' || !Number.isFinite(fill)) throw new TypeError(`${op}: fill must be a finite number, got ${JSON.stringify(fill)}`);
  return { mode, fill };
}

/** Source index for padded coordinate x (-1 means the fill value). */
function sourceIndex(x: number, n: number, mode: PadMode): number {
  if (x >= 0 && x < n) return x;
  switch (mode) {
    case 'constant': return -1;
    case 'edge': return x < 0 ? 0 : n - 1;
    case 'reflect': return x < 0 ? -x : 2 * (n - 1) - x;
    default: return x < 0 ? -x - 1 : 2 * n - 1 - x;
  }
}

function checkPadFits(sides: readonly number[], h: number, w: number, mode: PadMode, op: string): void {
  const [l, t, r, b] = sides as [number, number, number, number];
  const limit = (n: number): number => mode === 'reflect' ? n - 1 : mode === 'symmetric' ? n : mode === 'edge' ? (n > 0 ? Infinity : 0) : Infinity;
  if (Math.max(l, r) > limit(w) || Math.max(t, b) > limit(h)) {
    throw new RangeError(`${op}: ${mode} padding of [${sides.join(', ')}] does not fit an image of ${h}x${w} (${mode} padding must be ${mode === 'reflect' ? 'smaller than' : 'at most'} the image size)`);
  }
}

/**
 * Copies the window [top, top + outH) x [left, left + outW) of the image padded by `sides` into
 * out: padding and cropping in one pass, without building the padded image.
 */
function padCrop(src: PixelArray, c: number, h: number, w: number, sides: readonly number[], top: number, left: number, outH: number, outW: number,
  mode: PadMode, fill: number, out: PixelArray): void {
  const [padL, padT] = sides as [number, number];
  const fillValue = out instanceof Uint8Array ? Math.min(255, Math.max(0, Math.round(fill))) : f32(fill);
  const cols = new Int32Array(outW);
  for (let x = 0; x < outW; x++) cols[x] = sourceIndex(left + x - padL, w, mode);
  for (let ch = 0; ch < c; ch++) {
    const srcPlane = ch * h * w, dstPlane = ch * outH * outW;
    for (let y = 0; y < outH; y++) {
      const sy = sourceIndex(top + y - padT, h, mode);
      const dstRow = dstPlane + y * outW;
      if (sy < 0) { out.fill(fillValue, dstRow, dstRow + outW); continue; }
      const srcRow = srcPlane + sy * w;
      for (let x = 0; x < outW; x++) {
        const sx = cols[x]!;
        out[dstRow + x] = sx < 0 ? fillValue : src[srcRow + sx]!;
      }
    }
  }
}

export class Pad implements Transform {
  readonly name = 'pad';
  readonly spec: TransformSpec;
  private readonly sides: [number, number, number, number];
  private readonly options: Required<PadOptions>;
  private readonly scratch = new Scratch();

  constructor(padding: number | readonly number[], options: PadOptions = {}) {
    this.sides = padSides(padding, 'pad');
    this.options = checkPadOptions(options, 'pad');
    this.spec = { name: 'pad', options: { padding: this.sides, ...this.options } };
  }

  describe(input: ImageMeta): ImageMeta {
    const [c, h, w] = chw(input.shape, 'pad');
    checkPadFits(this.sides, h, w, this.options.mode, 'pad');
    const [l, t, r, b] = this.sides;
    return { shape: [c, h + t + b, w + l + r], dtype: input.dtype };
  }

  apply(image: Image): Image {
    const [c, h, w] = chw(image.shape, 'pad');
    checkPadFits(this.sides, h, w, this.options.mode, 'pad');
    const [l, t, r, b] = this.sides;
    const outH = h + t + b, outW = w + l + r;
    const out = this.scratch.get(pixelType(image.data), c * outH * outW, image.data);
    padCrop(image.data, c, h, w, this.sides, 0, 0, outH, outW, this.options.mode, this.options.fill, out);
    return { data: out, shape: [c, outH, outW] };
  }
}

function size2(size: unknown, op: string): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(s) || s.length !== 2 || s.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new TypeError(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return s as [number, number];
}

export interface RandomCropOptions extends PadOptions {
  /** Padding applied before cropping (torchvision's forms). */
  padding?: number | readonly number[];
  /** Pad an image smaller than the crop instead of failing: each short side by the shortfall, as torchvision. */
  padIfNeeded?: boolean;
}

/** A crop of `size` at a random position (after optional padding), as torchvision's RandomCrop. */
export class RandomCrop implements Transform {
  readonly name = 'randomCrop';
  readonly spec: TransformSpec;
  private readonly size: [number, number];
  private readonly sides: [number, number, number, number];
  private readonly options: Required<PadOptions>;
  private readonly padIfNeeded: boolean;
  private readonly scratch = new Scratch();

  constructor(size: number | readonly [number, number], options: RandomCropOptions = {}) {
    this.size = size2(size, 'randomCrop');
    this.sides = padSides(options.padding ?? 0, 'randomCrop');
    this.options = checkPadOptions(options, 'randomCrop');
    this.padIfNeeded = options.padIfNeeded ?? false;
    this.spec = { name: 'randomCrop', options: { size: this.size, padding: this.sides, padIfNeeded: this.padIfNeeded, ...this.options } };
  }

  /** Padding after the fixed padding and any padIfNeeded growth, for an input of h x w. */
  private padding(h: number, w: number): [number, number, number, number] {
    const [l, t, r, b] = this.sides;
    const sides: [number, number, number, number] = [l, t, r, b];
    const [th, tw] = this.size;
    if (this.padIfNeeded) {
      const ph = h + t + b, pw = w + l + r;
      if (pw < tw) { sides[0] += tw - pw; sides[2] += tw - pw; }
      if (ph < th) { sides[1] += th - ph; sides[3] += th - ph; }
    }
    return sides;
  }

  describe(input: ImageMeta): ImageMeta {
    const [c, h, w] = chw(input.shape, 'randomCrop');
    const sides = this.padding(h, w);
    checkPadFits(sides, h, w, this.options.mode, 'randomCrop');
    const ph = h + sides[1] + sides[3], pw = w + sides[0] + sides[2];
    if (ph < this.size[0] || pw < this.size[1]) {
      throw new RangeError(`randomCrop: the ${this.size[0]}x${this.size[1]} crop does not fit in the ${ph}x${pw} image${ph !== h || pw !== w ? ` (${h}x${w} padded)` : ''}; pass padIfNeeded: true to pad it`);
    }
    return { shape: [c, this.size[0], this.size[1]], dtype: input.dtype };
  }

  apply(image: Image, generator: Generator): Image {
    const meta = this.describe({ shape: image.shape, dtype: pixelType(image.data) });
    const [c, h, w] = image.shape as [number, number, number];
    const sides = this.padding(h, w);
    const [th, tw] = this.size;
    const ph = h + sides[1] + sides[3], pw = w + sides[0] + sides[2];
    let top = 0, left = 0;
    if (ph !== th || pw !== tw) {
      top = generator.nextInt(0, ph - th + 1);
      left = generator.nextInt(0, pw - tw + 1);
    }
    const out = this.scratch.get(meta.dtype, c * th * tw, image.data);
    padCrop(image.data, c, h, w, sides, top, left, th, tw, this.options.mode, this.options.fill, out);
    return { data: out, shape: meta.shape };
  }
}

/** Mirrors left-right with probability p (one uniform draw per image, flipped or not). */
export class RandomHorizontalFlip implements Transform {
  readonly name = 'randomHorizontalFlip';
  readonly spec: TransformSpec;
  private readonly scratch = new Scratch();

  constructor(readonly p = 0.5) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
    this.spec = { name: 'randomHorizontalFlip', options: { p } };
  }

  describe(input: ImageMeta): ImageMeta {
    chw(input.shape, 'randomHorizontalFlip');
    return input;
  }

  apply(image: Image, generator: Generator): Image {
    const [c, h, w] = chw(image.shape, 'randomHorizontalFlip');
    if (!(generator.nextDouble() < this.p)) return image;
    const src = image.data, out = this.scratch.get(pixelType(src), src.length, src);
    for (let row = 0; row < c * h; row++) {
      const base = row * w;
      for (let x = 0; x < w; x++) out[base + x] = src[base + w - 1 - x]!;
    }
    return { data: out, shape: image.shape };
  }
}

// ---- resizing -------------------------------------------------------------------------------

/** Source indices and weights along one axis for bilinear resizing with align_corners=False. */
interface AxisWeights { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array }

/** As PyTorch's upsample_bilinear2d: src = (dst + 0.5) * in/out - 0.5, clamped at 0, in float32. */
function axisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = f32(inSize / outSize);
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), w0 = new Float32Array(outSize), w1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let src = f32(f32(scale * f32(d + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f32(src - lo), 0), 1);
    i0[d] = lo;
    i1[d] = lo + (lo < inSize - 1 ? 1 : 0);
    w1[d] = lambda;
    w0[d] = f32(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

export class Resize implements Transform {
  readonly name = 'resize';
  readonly spec: TransformSpec;
  private readonly size: number | [number, number];
  private readonly scratch = new Scratch();
  private readonly across = new Scratch();
  private cache: { key: string; rows: AxisWeights; cols: AxisWeights } | null = null;

  /**
   * Bilinear resize without antialiasing (torchvision's Resize(antialias=False) on tensors): to
   * [height, width], or with one number, the shorter side to that size keeping the aspect ratio.
   * uint8 images are resized in float32 and rounded back (half to even), as torchvision does.
   */
  constructor(size: number | readonly [number, number]) {
    if (typeof size === 'number') {
      if (!Number.isInteger(size) || size <= 0) throw new TypeError(`resize: size must be a positive integer or [height, width], got ${size}`);
      this.size = size;
    } else {
      this.size = size2(size, 'resize');
    }
    this.spec = { name: 'resize', options: { size: this.size } };
  }

  private outSize(h: number, w: number): [number, number] {
    if (typeof this.size !== 'number') return this.size;
    const s = this.size;
    return h <= w ? [s, Math.trunc((s * w) / h)] : [Math.trunc((s * h) / w), s];
  }

  describe(input: ImageMeta): ImageMeta {
    const [c, h, w] = chw(input.shape, 'resize');
    if (h === 0 || w === 0) throw new RangeError(`resize: cannot resize an empty image of ${h}x${w}`);
    const [oh, ow] = this.outSize(h, w);
    return { shape: [c, oh, ow], dtype: input.dtype };
  }

  apply(image: Image): Image {
    const meta = this.describe({ shape: image.shape, dtype: pixelType(image.data) });
    const [c, h, w] = image.shape as [number, number, number];
    const [, oh, ow] = meta.shape as [number, number, number];
    const key = `${h}x${w}>${oh}x${ow}`;
    if (!this.cache || this.cache.key !== key) this.cache = { key, rows: axisWeights(h, oh), cols: axisWeights(w, ow) };
    const { rows, cols } = this.cache;
    const src = image.data, out = this.scratch.get(meta.dtype, c * oh * ow, src);
    // Separable, in PyTorch's order: each source row interpolated along the width, then pairs of
    // those rows along the height. Same float32 operations as the 2-D formula, fewer of them.
    const across = this.across.get('float32', h * ow) as Float32Array;
    for (let ch = 0; ch < c; ch++) {
      if (src instanceof Uint8Array) widthPassU8(src, ch * h * w, h, w, cols, across);
      else widthPassF32(src, ch * h * w, h, w, cols, across);
      if (out instanceof Uint8Array) heightPassU8(across, ow, rows, out, ch * oh * ow);
      else heightPassF32(across, ow, rows, out, ch * oh * ow);
    }
    return { data: out, shape: meta.shape };
  }
}

// One function per element type keeps each loop's array accesses monomorphic (fast in V8).
function widthPassU8(src: Uint8Array, base: number, h: number, w: number, cols: AxisWeights, out: Float32Array): void {
  const { i0, i1, w0, w1 } = cols, ow = i0.length;
  for (let y = 0; y < h; y++) {
    const row = base + y * w, o = y * ow;
    for (let x = 0; x < ow; x++) out[o + x] = f32(src[row + i0[x]!]! * w0[x]!) + f32(src[row + i1[x]!]! * w1[x]!);
  }
}

function widthPassF32(src: Float32Array, base: number, h: number, w: number, cols: AxisWeights, out: Float32Array): void {
  const { i0, i1, w0, w1 } = cols, ow = i0.length;
  for (let y = 0; y < h; y++) {
    const row = base + y * w, o = y * ow;
    for (let x = 0; x < ow; x++) out[o + x] = f32(src[row + i0[x]!]! * w0[x]!) + f32(src[row + i1[x]!]! * w1[x]!);
  }
}

function heightPassF32(across: Float32Array, ow: number, rows: AxisWeights, out: Float32Array, base: number): void {
  const { i0, i1, w0, w1 } = rows, oh = i0.length;
  for (let y = 0; y < oh; y++) {
    const r0 = i0[y]! * ow, r1 = i1[y]! * ow, a = w0[y]!, b = w1[y]!, o = base + y * ow;
    for (let x = 0; x < ow; x++) out[o + x] = f32(across[r0 + x]! * a) + f32(across[r1 + x]! * b);
  }
}

/**
 * uint8 output: rounded half to even and clamped, as torch.round then the cast; a
 * Uint8ClampedArray store does exactly that rounding.
 */
function heightPassU8(across: Float32Array, ow: number, rows: AxisWeights, out: Uint8Array, base: number): void {
  const { i0, i1, w0, w1 } = rows, oh = i0.length;
  const clamped = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  for (let y = 0; y < oh; y++) {
    const r0 = i0[y]! * ow, r1 = i1[y]! * ow, a = w0[y]!, b = w1[y]!, o = base + y * ow;
    for (let x = 0; x < ow; x++) clamped[o + x] = f32(f32(across[r0 + x]! * a) + f32(across[r1 + x]! * b));
  }
}

/** A 1-channel image repeated to 3 channels (for models that expect RGB); 3 channels pass through. */
export class GrayToRgb implements Transform {
  readonly name = 'grayToRgb';
  readonly spec: TransformSpec = { name: 'grayToRgb', options: {} };
  private readonly scratch = new Scratch();

  describe(input: ImageMeta): ImageMeta {
    const [c, h, w] = chw(input.shape, 'grayToRgb');
    if (c !== 1 && c !== 3) throw new RangeError(`grayToRgb: expected 1 (or 3) channels, got ${c}`);
    return { shape: [3, h, w], dtype: input.dtype };
  }

  apply(image: Image): Image {
    const meta = this.describe({ shape: image.shape, dtype: pixelType(image.data) });
    if (image.shape[0] === 3) return image;
    const src = image.data, n = src.length, out = this.scratch.get(meta.dtype, 3 * n, src);
    out.set(src, 0);
    out.set(src, n);
    out.set(src, 2 * n);
    return { data: out, shape: meta.shape };
  }
}

// ---- composition ----------------------------------------------------------------------------

/** Transforms applied in order; toTensor() directly followed by normalize() runs as one pass. */
export class Compose implements Transform {
  readonly name = 'compose';
  readonly spec: TransformSpec | null;
  readonly transforms: readonly Transform[];
  private readonly fused: (ScaleNormalize | null)[];

  constructor(transforms: readonly Transform[]) {
    if (!Array.isArray(transforms) || transforms.some((t) => !isTransform(t))) {
      throw new TypeError('compose: expected an array of transforms (objects with describe() and apply())');
    }
    this.transforms = transforms.slice();
    const specs = this.transforms.map((t) => t.spec);
    this.spec = specs.every((s) => s !== null) ? { name: 'compose', options: { transforms: specs } } : null;
    this.fused = this.transforms.map((t, i) => t instanceof ToTensor && this.transforms[i + 1] instanceof Normalize ? new ScaleNormalize(this.transforms[i + 1] as Normalize) : null);
  }

  describe(input: ImageMeta): ImageMeta {
    return this.transforms.reduce((meta, t) => t.describe(meta), input);
  }

  apply(image: Image, generator: Generator): Image {
    let img = image;
    for (let i = 0; i < this.transforms.length; i++) {
      const fused = this.fused[i];
      if (fused && img.data instanceof Uint8Array) {
        img = fused.apply(img);
        i++; // the normalize step is done
      } else {
        img = this.transforms[i]!.apply(img, generator);
      }
    }
    return img;
  }
}

export function isTransform(x: unknown): x is Transform {
  const t = x as Transform;
  return !!t && typeof t === 'object' && typeof t.apply === 'function' && typeof t.describe === 'function';
}

// ---- construction by name (the public API, and rebuilding in workers) -------------------------

export const toTensor = (): Transform => new ToTensor();
export const normalize = (mean: number | readonly number[], std: number | readonly number[]): Transform => new Normalize(mean, std);
export const pad = (padding: number | readonly number[], options?: PadOptions): Transform => new Pad(padding, options);
export const randomCrop = (size: number | readonly [number, number], options?: RandomCropOptions): Transform => new RandomCrop(size, options);
export const randomHorizontalFlip = (p?: number): Transform => new RandomHorizontalFlip(p);
export const resize = (size: number | readonly [number, number]): Transform => new Resize(size);
export const grayToRgb = (): Transform => new GrayToRgb();
export const compose = (transforms: readonly Transform[]): Transform => new Compose(transforms);

/** Rebuilds a built-in transform from its spec (what worker threads do). */
export function transformFromSpec(spec: TransformSpec): Transform {
  const o = (spec?.options ?? {}) as Record<string, never>;
  switch (spec?.name) {
    case 'toTensor': return new ToTensor();
    case 'normalize': return new Normalize(o.mean, o.std);
    case 'pad': return new Pad(o.padding, { fill: o.fill, mode: o.mode });
    case 'randomCrop': return new RandomCrop(o.size, { padding: o.padding, fill: o.fill, mode: o.mode, padIfNeeded: o.padIfNeeded });
    case 'randomHorizontalFlip': return new RandomHorizontalFlip(o.p);
    case 'resize': return new Resize(o.size);
    case 'grayToRgb': return new GrayToRgb();
    case 'compose': return new Compose((o.transforms as TransformSpec[]).map(transformFromSpec));
    default: throw new TypeError(`transformFromSpec: unknown transform ${JSON.stringify(spec?.name)}`);
  }
}
