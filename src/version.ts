// The library version recorded in checkpoints (kept equal to package.json's by a test).
export const LIBRARY_VERSION = '0.1.0';
