// CIFAR-10 and CIFAR-100 binary batches: fixed-size records of label byte(s) followed by a
// 32x32 RGB image in CHW order (1024 red, 1024 green, 1024 blue bytes). CIFAR-10 records have one
// label byte (3073 bytes); CIFAR-100 records have a coarse then a fine label byte (3074 bytes).

import { DataFileError } from './errors.js';
import { readMaybeGzip } from './idx.js';

export const CIFAR_IMAGE_BYTES = 3 * 32 * 32;

export type CifarVariant = 'cifar10' | 'cifar100';

export interface CifarBatch {
  /** [count, 3, 32, 32] pixels. */
  images: Uint8Array;
  /** CIFAR-10 labels, or CIFAR-100 fine labels. */
  labels: Uint8Array;
  /** CIFAR-100 coarse (superclass) labels; null for CIFAR-10. */
  coarseLabels: Uint8Array | null;
  count: number;
}

const CLASS_COUNT: Readonly<Record<CifarVariant, { labelBytes: number; fine: number; coarse: number }>> = {
  cifar10: { labelBytes: 1, fine: 10, coarse: 0 },
  cifar100: { labelBytes: 2, fine: 100, coarse: 20 },
};

export function cifarRecordBytes(variant: CifarVariant): number {
  return CLASS_COUNT[variant].labelBytes + CIFAR_IMAGE_BYTES;
}

/** Parses one batch file's bytes; `path` names it in errors. */
export function parseCifarBatch(bytes: Uint8Array, variant: CifarVariant, path: string): CifarBatch {
  const { labelBytes, fine, coarse } = CLASS_COUNT[variant];
  const record = labelBytes + CIFAR_IMAGE_BYTES;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    const whole = Math.floor(bytes.length / record);
    throw new DataFileError(path, `a ${variant} batch is a whole number of ${record}-byte records (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${CIFAR_IMAGE_BYTES} pixels), but the file has ${bytes.length} bytes (${whole} records and ${bytes.length - whole * record} bytes over)`);
  }
  const count = bytes.length / record;
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const coarseLabels = variant === 'cifar100' ? new Uint8Array(count) : null;
  for (let i = 0; i < count; i++) {
    const at = i * record;
    const fineLabel = bytes[at + labelBytes - 1]!;
    if (fineLabel >= fine) throw new DataFileError(path, `record ${i} has label ${fineLabel}, expected 0..${fine - 1} for ${variant} (is this the right variant?)`);
    labels[i] = fineLabel;
    if (coarseLabels) {
      const c = bytes[at]!;
      if (c >= coarse) throw new DataFileError(path, `record ${i} has coarse label ${c}, expected 0..${coarse - 1}`);
      coarseLabels[i] = c;
    }
    images.set(bytes.subarray(at + labelBytes, at + record), i * CIFAR_IMAGE_BYTES);
  }
  return { images, labels, coarseLabels, count };
}

export function readCifarBatch(path: string, variant: CifarVariant): CifarBatch {
  return parseCifarBatch(readMaybeGzip(path), variant, path);
}

/** CIFAR bytes for records (to write test files): images [n, 3, 32, 32]. */
export function encodeCifarBatch(variant: CifarVariant, images: Uint8Array, labels: ArrayLike<number>, coarseLabels?: ArrayLike<number>): Uint8Array {
  const { labelBytes } = CLASS_COUNT[variant];
  const n = labels.length;
  if (images.length !== n * CIFAR_IMAGE_BYTES) throw new RangeError(`encodeCifarBatch: ${images.length} pixels for ${n} labels, expected ${n * CIFAR_IMAGE_BYTES}`);
  const record = labelBytes + CIFAR_IMAGE_BYTES;
  const out = new Uint8Array(n * record);
  for (let i = 0; i < n; i++) {
    if (labelBytes === 2) out[i * record] = coarseLabels?.[i] ?? 0;
    out[i * record + labelBytes - 1] = labels[i]!;
    out.set(images.subarray(i * CIFAR_IMAGE_BYTES, (i + 1) * CIFAR_IMAGE_BYTES), i * record + labelBytes);
  }
  return out;
}
