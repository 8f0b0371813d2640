// The memory behind tensors. Views share a Storage; its version counts in-place writes so that
// autograd can tell when a tensor it saved for backward has been changed.

import type { StorageArray } from './dtype.js';

export class Storage {
  version = 0;
  constructor(public readonly data: StorageArray) {}
}
