import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from '../../src/index.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ody-atomic-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('writeFileAtomic replaces the target and reports size and SHA-256 of what it wrote', () => {
  withDir((dir) => {
    const target = join(dir, 'manifest.json');
    writeFileSync(target, 'old');
    const chunks = [Buffer.from('hello '), new Uint8Array([119, 111, 114, 108, 100])];
    const r = io.writeFileAtomic(target, chunks);
    assert.equal(readFileSync(target, 'utf8'), 'hello world');
    assert.equal(r.bytes, 11);
    assert.equal(r.sha256, createHash('sha256').update('hello world').digest('hex'));
    assert.equal(io.sha256File(target), r.sha256);
    assert.deepEqual(readdirSync(dir), ['manifest.json']);
  });
});

test('a write that fails midway leaves the old file and no temporary file', () => {
  withDir((dir) => {
    const target = join(dir, 'ckpt.safetensors');
    writeFileSync(target, 'previous checkpoint');
    function* failing(): Generator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('disk full');
    }
    assert.throws(() => io.writeFileAtomic(target, failing()), /disk full/);
    assert.equal(readFileSync(target, 'utf8'), 'previous checkpoint');
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
    assert.throws(() => io.writeFileAtomic(join(dir, 'no-such-dir', 'x'), Buffer.from('x')), /ENOENT/);
  });
});

test('removeStaleTempFiles removes only our dead temporary files', () => {
  withDir((dir) => {
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: no such process
    const stale = `.ckpt-3.safetensors.${deadPid}.0123abcd.tmp`;
    const live = `.ckpt-4.safetensors.1.89abcdef.tmp`; // pid 1 is always running
    const mine = `.ckpt-5.safetensors.${process.pid}.00ff00ff.tmp`;
    const others = ['notes.tmp', '.hidden', 'ckpt-3.safetensors', `.x.${deadPid}.XYZ.tmp`];
    for (const name of [stale, live, mine, ...others]) writeFileSync(join(dir, name), '');
    assert.equal(io.isTempFileName(stale), true);
    assert.equal(io.isTempFileName('notes.tmp'), false);
    assert.deepEqual(io.removeStaleTempFiles(dir).sort(), [stale, mine].sort());
    assert.deepEqual(readdirSync(dir).sort(), [live, ...others].sort());
  });
});

test('sha256File hashes files larger than its read chunk', () => {
  withDir((dir) => {
    const big = Buffer.alloc((1 << 20) * 2 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
    writeFileSync(join(dir, 'big'), big);
    assert.equal(io.sha256File(join(dir, 'big')), createHash('sha256').update(big).digest('hex'));
    assert.throws(() => io.sha256File(join(dir, 'missing')), /ENOENT/);
  });
});
