// Data: datasets (built-in and your own), file readers, transforms and the DataLoader.
export { DataLoader, type DataLoaderOptions, type DataLoaderState, type Batch } from './loader.js';
export { ImageDataset, TensorDataset, Subset, type Dataset, type Sample, type Target } from './dataset.js';
export { createDataset, registerDataset, listDatasets, clearDatasetCache, FASHION_MNIST_ROOT, type DatasetOptions, type DatasetFactory, type Split, type EmnistSplit } from './datasets.js';
export { ArraySource, type ArraySourceState } from './array-source.js';
export type { Image, ImageMeta, PixelArray, RawSample, SampleSource } from './image.js';
export { readIdx, parseIdx, encodeIdx, type IdxData, type IdxType } from './idx.js';
export { readCifarBatch, parseCifarBatch, encodeCifarBatch, type CifarBatch, type CifarVariant } from './cifar.js';
export { loadMnistDigits, mnistSampleSplit } from './mnist-sample.js';
export { DataFileError } from './errors.js';
export { activeWorkerThreads } from './worker-pool.js';
export type { Recipe } from './recipe.js';
export * as transforms from './transforms.js';
