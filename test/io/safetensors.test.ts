import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, arange, randn, zeros, Generator, io, DTYPES, type Tensor, type DType } from '../../src/index.js';
import { rng } from '../helpers.js';

const { safetensors, SafetensorsError } = io;
const FIXTURES = fileURLToPath(new URL('../../../test/io/fixtures/', import.meta.url));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ody-st-'));
}

/** Raw storage of a contiguous copy, for exact (bitwise) comparison. */
function bits(t: Tensor): unknown[] {
  return Array.from(t.contiguous().toTypedArray() as ArrayLike<unknown>);
}

function assertSameTensor(a: Tensor, b: Tensor, what: string): void {
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  assert.deepEqual([...a.shape], [...b.shape], `${what}: shape`);
  assert.deepEqual(bits(a), bits(b), `${what}: values`);
}

function sample(dtype: DType, shape: number[], seed: number): Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, () => {
    if (dtype === 'bool') return r() < 0.5 ? 1 : 0;
    if (dtype === 'uint8') return Math.floor(r() * 256);
    if (dtype === 'int32') return Math.floor((r() - 0.5) * 2 ** 32);
    if (dtype === 'int64') return Math.floor((r() - 0.5) * 2 ** 52);
    return (r() - 0.5) * 1000;
  });
  return tensor(vals, { dtype, shape });
}

test('every dtype round-trips bit-exactly, including 0-d and empty tensors', () => {
  const dict = new Map<string, Tensor>();
  DTYPES.forEach((d, i) => {
    dict.set(`${d}.matrix`, sample(d, [3, 5], i));
    dict.set(`${d}.scalar`, sample(d, [], 100 + i));
    dict.set(`${d}.empty`, sample(d, [2, 0, 3], 200 + i));
  });
  const meta = { epoch: '7', config: JSON.stringify({ lr: 0.1 }) };
  const loaded = safetensors.deserialize(safetensors.serialize(dict, meta));
  assert.deepEqual(loaded.metadata, meta);
  assert.equal(loaded.tensors.size, dict.size);
  for (const [name, t] of dict) assertSameTensor(loaded.tensors.get(name)!, t, name);
  // Half-precision bit patterns (NaN payloads, -0, subnormals) survive untouched.
  const halfBits = new Uint16Array([0x7e01, 0x8000, 0x0001, 0x7c00, 0x3c00]);
  const h = tensor(halfBits, { dtype: 'float16' });
  const back = safetensors.deserialize(safetensors.serialize({ h })).tensors.get('h')!;
  assert.deepEqual(Array.from(back.data as Uint16Array), Array.from(halfBits));
});

test('the bytes match the reference writer: padding with spaces, order by alignment then name', () => {
  // An empty file and a metadata-only file, as the reference implementation writes them.
  const empty = safetensors.serialize({});
  assert.deepEqual([...empty], [8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ')]);
  const metaOnly = safetensors.serialize({}, { framework: 'pt' });
  const header = '{"__metadata__":{"framework":"pt"}}';
  assert.equal(header.length, 35);
  assert.deepEqual([...metaOnly], [40, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(header + '     ')]);
  // One float32 tensor: header of exactly 64 bytes (no padding), then the little-endian floats.
  const one = safetensors.serialize({ 'attn.0': arange(6, { dtype: 'float32' }).reshape(1, 2, 3) });
  const h1 = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(h1.length, 64);
  assert.deepEqual([...one.subarray(0, 72)], [64, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(h1)]);
  assert.deepEqual(Array.from(new Float32Array(one.buffer.slice(one.byteOffset + 72, one.byteOffset + 96))), [0, 1, 2, 3, 4, 5]);
  // Order: int64 before float64 before float32 ... before bool; equal dtypes by name.
  const mixed = safetensors.serialize({ b: zeros(1, { dtype: 'bool' }), z: zeros(1), a: zeros(1), i: zeros(1, { dtype: 'int64' }), d: zeros(1, { dtype: 'float64' }) });
  const names = Object.keys(JSON.parse(mixed.subarray(8, 8 + Number(mixed.readBigUInt64LE(0))).toString()));
  assert.deepEqual(names, ['i', 'd', 'a', 'z', 'b']);
});

test('reads files written from PyTorch tensors and writes them back byte-identically', () => {
  const file = join(FIXTURES, 'torch_all_dtypes.safetensors');
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'torch_all_dtypes.json'), 'utf8')) as {
    metadata: Record<string, string>;
    tensors: Record<string, { dtype: string; shape: number[]; bits?: string[]; values?: string[] }>;
  };
  const fromFile = safetensors.loadFile(file);
  const fromBuffer = safetensors.deserialize(readFileSync(file), file);
  assert.deepEqual(fromFile.metadata, expected.metadata);
  assert.deepEqual([...fromFile.tensors.keys()].sort(), Object.keys(expected.tensors).sort());
  for (const [name, want] of Object.entries(expected.tensors)) {
    const t = fromFile.tensors.get(name)!;
    assertSameTensor(fromBuffer.tensors.get(name)!, t, name);
    assert.equal(DTYPES.find((d) => d === t.dtype) !== undefined, true);
    assert.deepEqual([...t.shape], want.shape, `${name}: shape`);
    const raw = t.toTypedArray();
    let got: string[];
    if (want.bits) {
      const width = { F16: 2, BF16: 2, F32: 4, F64: 8 }[want.dtype]!;
      const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      got = Array.from({ length: raw.length }, (_, i) => String(
        width === 2 ? view.getUint16(i * 2, true) : width === 4 ? view.getUint32(i * 4, true) : view.getBigUint64(i * 8, true)));
    } else {
      got = Array.from(raw as ArrayLike<number | bigint>, (v) => String(v));
    }
    assert.deepEqual(got, want.bits ?? want.values, `${name}: values`);
  }
  assert.equal(fromFile.tensors.get('bn1.num_batches_tracked')!.item(), 123456789012);
  // Written back with the same names and metadata, the bytes are the fixture's bytes.
  assert.deepEqual(safetensors.serialize(fromFile.tensors, fromFile.metadata), readFileSync(file));
  const single = join(FIXTURES, 'torch_single.safetensors');
  assert.deepEqual(safetensors.serialize({ weight: arange(6, { dtype: 'float32' }).reshape(2, 3) }), readFileSync(single));
});

test('saveFile writes atomically and loadFile reads it back; non-contiguous tensors are stored in C order', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'model.safetensors');
    const w = randn(3, 4, { generator: new Generator(1) });
    const result = safetensors.saveFile(path, { 'fc.weight': w.t(), 'fc.bias': w.select(1, 2) }, { step: '10' });
    assert.equal(result.bytes, readFileSync(path).length);
    assert.equal(result.sha256, io.sha256File(path));
    const back = safetensors.loadFile(path);
    assertSameTensor(back.tensors.get('fc.weight')!, w.t().contiguous(), 'transposed');
    assertSameTensor(back.tensors.get('fc.bias')!, w.select(1, 2).contiguous(), 'strided column');
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    const header = safetensors.readHeader(path);
    assert.deepEqual(header.metadata, { step: '10' });
    assert.deepEqual(header.tensors.map((t) => [t.name, t.dtype, t.shape]), [['fc.bias', 'float32', [3]], ['fc.weight', 'float32', [4, 3]]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments to the writer are refused with the reason', () => {
  assert.throws(() => safetensors.serialize({ __metadata__: zeros(1) }), /'__metadata__' is reserved/);
  assert.throws(() => safetensors.serialize({ a: [1, 2] as unknown as Tensor }), /'a' is not a Tensor/);
  assert.throws(() => safetensors.serialize({}, { epoch: 3 as unknown as string }), /metadata values must be strings.*'epoch' is number/);
  assert.throws(() => safetensors.deserialize('x' as unknown as Uint8Array), /expected a Buffer or Uint8Array/);
});

/** A valid header + data with the header JSON replaced. */
function fileWithHeader(json: string, data = new Uint8Array(0), declared?: number): Buffer {
  const head = Buffer.from(json);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(declared ?? head.length));
  return Buffer.concat([prefix, head, data]);
}

test('corrupted files give a SafetensorsError naming the file and the problem', () => {
  const f32 = (offsets: string, shape = '[2]', dtype = 'F32') => `{"w":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}}`;
  const cases: [string, Buffer, RegExp][] = [
    ['short file', Buffer.from([1, 2, 3]), /3 bytes, shorter than the 8-byte header length/],
    ['huge header length', fileWithHeader('{}', undefined, 2 ** 40), /above the 100000000-byte limit/],
    ['header past the end', fileWithHeader('{}', undefined, 64), /header length is 64 bytes but the file has only 2 bytes/],
    ['not UTF-8', fileWithHeader('{"\xff"}').fill(0xff, 9, 10), /not valid UTF-8/],
    ['not an object', fileWithHeader('[1,2]   '), /does not start with '\{'/],
    ['bad JSON', fileWithHeader('{"w":   '), /not valid JSON/],
    ['metadata not strings', fileWithHeader('{"__metadata__":{"a":1}}'), /'__metadata__' value 'a' is number, expected a string/],
    ['entry not an object', fileWithHeader('{"w":3}'), /tensor 'w': expected an object/],
    ['no dtype', fileWithHeader('{"w":{"shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /tensor 'w': dtype is missing/],
    ['unknown dtype', fileWithHeader(f32('[0,8]', '[2]', 'F31'), new Uint8Array(8)), /tensor 'w': unknown dtype "F31"/],
    ['foreign dtype', fileWithHeader(f32('[0,2]', '[2]', 'I8'), new Uint8Array(2)), /dtype I8 is valid safetensors but not supported/],
    ['negative dim', fileWithHeader(f32('[0,8]', '[-2]'), new Uint8Array(8)), /shape must be an array of non-negative integers/],
    ['fractional dim', fileWithHeader(f32('[0,8]', '[2.5]'), new Uint8Array(8)), /shape must be an array of non-negative integers/],
    ['offsets shape', fileWithHeader(f32('[0]'), new Uint8Array(8)), /data_offsets must be two non-negative integers/],
    ['offsets reversed', fileWithHeader(f32('[8,0]'), new Uint8Array(8)), /end before they begin/],
    ['byte count', fileWithHeader(f32('[0,12]'), new Uint8Array(12)), /F32 with shape \[2\] needs 8 bytes, but data_offsets \[0, 12\] span 12/],
    ['overflowing shape', fileWithHeader(f32('[0,8]', '[4294967296,4294967296,4294967296]'), new Uint8Array(8)), /has too many elements/],
    ['gap', fileWithHeader(f32('[4,12]'), new Uint8Array(12)), /starts at data offset 4, but the previous tensor ends at 0 \(a gap/],
    ['overlap', fileWithHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), /tensor 'b' starts at data offset 4, inside the previous tensor/],
    ['data truncated', fileWithHeader(f32('[0,8]'), new Uint8Array(5)), /ends at data offset 8, past the 5 bytes of data in the file/],
    ['trailing bytes', fileWithHeader(f32('[0,8]'), new Uint8Array(9)), /cover 8 bytes of data but the file holds 9/],
  ];
  const dir = tmp();
  try {
    for (const [what, bytes, message] of cases) {
      assert.throws(() => safetensors.deserialize(bytes, `case-${what}`), (e: unknown) => {
        assert.ok(e instanceof SafetensorsError, `${what}: ${String(e)}`);
        assert.match(e.message, message, what);
        assert.match(e.message, new RegExp(`^safetensors: case-${what}: `), what);
        return true;
      });
      const path = join(dir, `${what.replace(/ /g, '_')}.safetensors`);
      writeFileSync(path, bytes);
      assert.throws(() => safetensors.loadFile(path), (e: unknown) => e instanceof SafetensorsError && e.message.startsWith(`safetensors: ${path}: `) && message.test(e.message), what);
    }
    assert.throws(() => safetensors.loadFile(join(dir, 'missing.safetensors')), /missing\.safetensors: cannot open the file \(ENOENT\)/);
    assert.throws(() => safetensors.loadFile(dir), /not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every truncation and random corruption of a valid file is either read or refused, never a crash', () => {
  const good = readFileSync(join(FIXTURES, 'torch_all_dtypes.safetensors'));
  for (let len = 0; len < good.length; len++) {
    assert.throws(() => safetensors.deserialize(good.subarray(0, len), 'cut'), SafetensorsError, `truncated to ${len} bytes`);
  }
  const r = rng(5);
  const headerEnd = 8 + Number(good.readBigUInt64LE(0));
  for (let trial = 0; trial < 400; trial++) {
    const bad = Buffer.from(good);
    const flips = 1 + Math.floor(r() * 3);
    for (let k = 0; k < flips; k++) bad[Math.floor(r() * headerEnd)] = Math.floor(r() * 256);
    try {
      safetensors.deserialize(bad, 'fuzz');
    } catch (e) {
      assert.ok(e instanceof SafetensorsError, `trial ${trial}: ${String(e)}`);
    }
  }
});
