import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { data } from '../../src/index.js';

const { readIdx, encodeIdx, parseIdx, readCifarBatch, encodeCifarBatch, DataFileError } = data;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ody-readers-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** Asserts a DataFileError whose message starts with the file's path and matches `problem`. */
function assertFileError(fn: () => unknown, file: string, problem: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataFileError, String(e));
    assert.equal(e.file, file);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, problem);
    return true;
  });
}

test('IDX files of every element type round-trip, plain and gzipped', () => {
  withDir((dir) => {
    const cases = [
      ['uint8', [2, 2, 3], [0, 1, 2, 127, 128, 255, 3, 4, 5, 6, 7, 8]],
      ['int8', [4], [-128, -1, 0, 127]],
      ['int16', [2, 2], [-32768, -2, 300, 32767]],
      ['int32', [3], [-2147483648, 65536, 2147483647]],
      ['float32', [2, 2], [1.5, -0.25, 3.4028234663852886e38, 1e-20]],
      ['float64', [2], [Math.PI, -1e300]],
    ] as const;
    for (const [type, shape, values] of cases) {
      const bytes = encodeIdx(type, shape, values);
      for (const gz of [false, true]) {
        const path = join(dir, `${type}${gz ? '.gz' : ''}`);
        writeFileSync(path, gz ? gzipSync(bytes) : bytes);
        const r = readIdx(path);
        assert.equal(r.type, type);
        assert.deepEqual(r.shape, shape);
        const expected = type === 'float32' ? values.map(Math.fround) : values;
        assert.deepEqual(Array.from(r.data as ArrayLike<number>), expected, `${type} gz=${gz}`);
      }
    }
    // The header is big-endian: magic 0x00000803 then dimension sizes.
    assert.deepEqual(Array.from(encodeIdx('uint8', [1, 2, 1], [7, 8])), [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 7, 8]);
    // A gzipped file is recognised by its content, whatever its name.
    writeFileSync(join(dir, 'named-plain'), gzipSync(encodeIdx('uint8', [2], [5, 6])));
    assert.deepEqual(Array.from(readIdx(join(dir, 'named-plain')).data), [5, 6]);
  });
});

test('bad IDX files name the file and what was expected', () => {
  withDir((dir) => {
    const good = encodeIdx('uint8', [3, 2, 2], Array.from({ length: 12 }, (_, i) => i));
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /0 bytes is too short for an IDX header/],
      ['wrong-magic', Uint8Array.from([0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 0]), /magic number 0x1f000801 is not IDX \(expected 0x0000TTNN/],
      ['unknown-type', Uint8Array.from([0, 0, 0x0a, 0x01, 0, 0, 0, 0]), /magic number 0x00000a01 is not IDX/],
      ['zero-dims', Uint8Array.from([0, 0, 8, 0]), /declares 0 dimensions/],
      ['short-header', good.subarray(0, 10), /too short for the 3 dimension sizes/],
      ['truncated', good.subarray(0, good.length - 1), /uint8 data of shape \[3, 2, 2\] needs 28 bytes \(header included\), the file has 27 \(truncated\)/],
      ['too-long', Uint8Array.from([...good, 0]), /needs 28 bytes \(header included\), the file has 29$/],
    ];
    for (const [name, bytes, problem] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      assertFileError(() => readIdx(path), path, problem);
    }
    const gz = gzipSync(good);
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 10));
    assertFileError(() => readIdx(cut), cut, /the gzip data is truncated or corrupt/);
    assertFileError(() => readIdx(join(dir, 'absent')), join(dir, 'absent'), /cannot read the file \(ENOENT\)/);
    assertFileError(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 5, 1]), 'in-memory'), 'in-memory', /needs 13 bytes/);
  });
});

/** n CIFAR images whose pixels encode (record, channel, position) and labels. */
function cifarImages(n: number, seed: number): Uint8Array {
  const img = new Uint8Array(n * 3072);
  for (let i = 0; i < img.length; i++) img[i] = (i * 7 + seed * 13) % 256;
  return img;
}

test('CIFAR-10 and CIFAR-100 batches: labels then CHW pixels per record', () => {
  withDir((dir) => {
    const images = cifarImages(3, 1);
    const p10 = join(dir, 'c10.bin');
    const bytes10 = encodeCifarBatch('cifar10', images, [3, 9, 0]);
    assert.equal(bytes10.length, 3 * 3073);
    assert.equal(bytes10[3073], 9); // second record starts with its label
    writeFileSync(p10, bytes10);
    const b10 = readCifarBatch(p10, 'cifar10');
    assert.equal(b10.count, 3);
    assert.deepEqual(Array.from(b10.labels), [3, 9, 0]);
    assert.equal(b10.coarseLabels, null);
    assert.deepEqual(b10.images, images);

    const p100 = join(dir, 'c100.bin');
    const bytes100 = encodeCifarBatch('cifar100', images, [99, 0, 42], [19, 0, 7]);
    assert.equal(bytes100.length, 3 * 3074);
    assert.deepEqual([bytes100[0], bytes100[1]], [19, 99]); // coarse byte first, then fine
    writeFileSync(p100, gzipSync(bytes100));
    const b100 = readCifarBatch(p100, 'cifar100');
    assert.deepEqual(Array.from(b100.labels), [99, 0, 42]);
    assert.deepEqual(Array.from(b100.coarseLabels!), [19, 0, 7]);
    assert.deepEqual(b100.images, images);
  });
});

test('bad CIFAR batches name the file and the expected record size', () => {
  withDir((dir) => {
    const write = (name: string, bytes: Uint8Array): string => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
    const ten = encodeCifarBatch('cifar10', cifarImages(2, 0), [1, 2]);
    let p = write('cut.bin', ten.subarray(0, ten.length - 5));
    assertFileError(() => readCifarBatch(p, 'cifar10'), p, /a cifar10 batch is a whole number of 3073-byte records \(1 label byte \+ 3072 pixels\), but the file has 6141 bytes \(1 records and 3068 bytes over\)/);
    p = write('empty.bin', new Uint8Array(0));
    assertFileError(() => readCifarBatch(p, 'cifar10'), p, /but the file has 0 bytes/);
    // A CIFAR-10 file read as CIFAR-100 has the wrong record size.
    p = write('ten.bin', ten);
    assertFileError(() => readCifarBatch(p, 'cifar100'), p, /3074-byte records \(2 label bytes \+ 3072 pixels\)/);
    const badLabel = Uint8Array.from(ten);
    badLabel[3073] = 10;
    p = write('label.bin', badLabel);
    assertFileError(() => readCifarBatch(p, 'cifar10'), p, /record 1 has label 10, expected 0\.\.9 for cifar10/);
    const badCoarse = encodeCifarBatch('cifar100', cifarImages(1, 0), [5], [25]);
    p = write('coarse.bin', badCoarse);
    assertFileError(() => readCifarBatch(p, 'cifar100'), p, /record 0 has coarse label 25, expected 0\.\.19/);
  });
});
