// File formats and durable writes: safetensors (checkpoints, PyTorch-compatible weights) and the
// atomic write helpers the CheckpointManager builds on.
export * as safetensors from './safetensors.js';
export { SafetensorsError, type TensorInfo, type Header, type Loaded, type Metadata, type TensorDict } from './safetensors.js';
export { writeFileAtomic, fsyncDirectory, removeStaleTempFiles, isTempFileName, sha256File, type AtomicWriteResult } from './atomic.js';
