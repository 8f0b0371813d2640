// The plain-array sample that the data pipeline passes around: values in C order with a shape
// ([C, H, W] for images). No Tensor here on purpose: this code also runs in worker threads, which
// should not load the tensor library and its native addon just to move pixels.

export type PixelArray = Uint8Array | Float32Array;
export type PixelType = 'uint8' | 'float32';

export interface Image {
  readonly data: PixelArray;
  readonly shape: readonly number[];
}

/** What a transform needs to know ahead of time about its input. */
export interface ImageMeta {
  readonly shape: readonly number[];
  readonly dtype: PixelType;
}

/** One sample as read from a source: the input and its integer class label. */
export interface RawSample {
  image: Image;
  label: number;
}

/** Where the loader reads samples from, in the main thread or a worker. */
export interface SampleSource {
  readonly length: number;
  readSample(index: number): RawSample;
}

export function pixelType(data: PixelArray): PixelType {
  return data instanceof Uint8Array ? 'uint8' : 'float32';
}

export function metaOf(image: Image): ImageMeta {
  return { shape: image.shape, dtype: pixelType(image.data) };
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** [C, H, W] of an image, or a TypeError naming the transform. */
export function chw(shape: readonly number[], op: string): [number, number, number] {
  if (shape.length !== 3) throw new TypeError(`${op}: expected an image of shape [C, H, W], got ${shapeText(shape)}`);
  return shape as [number, number, number];
}

/**
 * A reusable output buffer: grows when needed and is handed out again on the next call, so a
 * transform allocates once rather than per sample. Never returns memory that aliases `avoid`.
 */
export class Scratch {
  private u8: Uint8Array | null = null;
  private f32: Float32Array | null = null;

  get(dtype: PixelType, length: number, avoid?: PixelArray): PixelArray {
    if (dtype === 'uint8') {
      if (!this.u8 || this.u8.length < length || this.u8.buffer === avoid?.buffer) this.u8 = new Uint8Array(length);
      return this.u8.length === length ? this.u8 : this.u8.subarray(0, length);
    }
    if (!this.f32 || this.f32.length < length || this.f32.buffer === avoid?.buffer) this.f32 = new Float32Array(length);
    return this.f32.length === length ? this.f32 : this.f32.subarray(0, length);
  }
}
