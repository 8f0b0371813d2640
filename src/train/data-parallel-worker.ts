// A data-parallel replica: a worker_thread holding its own copy of the model. For each step it
// takes the weights the main thread broadcast, runs forward and backward on its shard of the batch
// on its own kernel thread(s), and hands back its gradients (already weighted by its share of the
// batch), its loss and its correct count. Commands arrive on a MessagePort read synchronously
// (receiveMessageOnPort) after an Atomics wake-up, so a step costs no event-loop round trip.

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { setCallerThreads } from '../backend/index.js';
import type { Module } from '../nn/module.js';
import { manualSeed } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { correctTopK } from './metrics.js';
import { combinedLoss, toLossFunction, type LossFunction } from './objective.js';
import { construct, readState, REPLY, REQUEST, stateLayout, stateTensors, writeState, type ModuleSpec, type StateEntry } from './data-parallel-shared.js';

interface Setup {
  rank: number;
  port: MessagePort;
  control: SharedArrayBuffer;
  state: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  model: ModuleSpec;
  loss: ModuleSpec;
  threads: number;
  auxLossWeight: number;
  entries: StateEntry[];
}

export type Command =
  | { cmd: 'step'; n: number; shape: number[]; dtype: 'float32' | 'float64'; weight: number; seed: number; input: SharedArrayBuffer; target: SharedArrayBuffer }
  | { cmd: 'state' }
  | { cmd: 'exit' };

export type Reply = { ok: true; loss?: number; correct?: number; state?: Float64Array } | { ok: false; error: string };

async function main(): Promise<void> {
  const s = workerData as Setup;
  setCallerThreads(s.threads);
  const model = (await construct(s.model, 'model')) as Module;
  if (!model || typeof model.forward !== 'function') throw new TypeError(`DataParallel: the model spec built ${String(model)}, not a Module`);
  const lossFn = toLossFunction((await construct(s.loss, 'loss')) as LossFunction, 'DataParallel');
  const layout = stateLayout(model);
  const mismatch = layout.entries.length !== s.entries.length
    ? `${layout.entries.length} state tensors, the main thread's model has ${s.entries.length}`
    : layout.entries.map((e, i) => (e.name !== s.entries[i]!.name || e.numel !== s.entries[i]!.numel ? `${e.name} (${e.numel}) where the main model has ${s.entries[i]!.name} (${s.entries[i]!.numel})` : null)).find((m) => m);
  if (mismatch) throw new Error(`DataParallel: replica ${s.rank}'s model does not match the main thread's: ${mismatch}`);
  const tensors = stateTensors(model);
  const params = model.parameters();
  const state = new Float64Array(s.state);
  const grads = new Float64Array(s.grads);
  const control = new Int32Array(s.control);
  parentPort!.postMessage({ ready: true });

  let seen = 0;
  for (;;) {
    Atomics.wait(control, REQUEST, seen);
    seen = Atomics.load(control, REQUEST);
    const c = receiveMessageOnPort(s.port)?.message as Command | undefined;
    if (!c || c.cmd === 'exit') break;
    let reply: Reply;
    try {
      reply = c.cmd === 'state' ? stateReply(tensors, s.entries) : step(c);
    } catch (e) {
      reply = { ok: false, error: (e as Error)?.stack ?? String(e) };
    }
    s.port.postMessage(reply);
    Atomics.store(control, REPLY, seen);
    Atomics.notify(control, REPLY);
  }
  s.port.close();

  function step(c: Extract<Command, { cmd: 'step' }>): Reply {
    readState(tensors, s.entries, state);
    // Dropout masks: a stream of this replica's own, fixed by the step, so a resumed run repeats it.
    manualSeed((Math.imul(c.seed | 0, 0x9e3779b1) ^ Math.imul(s.rank, 0x85ebca6b)) >>> 0);
    model.zeroGrad({ setToNone: false });  // in place: no fresh gradient buffers every step
    const count = c.shape.reduce((a, b) => a * b, 1);
    const input = Tensor.fromStorage(c.dtype === 'float64' ? new Float64Array(c.input, 0, count).slice() : new Float32Array(c.input, 0, count).slice(), c.dtype, c.shape);
    const target = Tensor.fromStorage(new BigInt64Array(c.target, 0, c.n).slice(), 'int64', [c.n]);
    model.train();
    const { loss, main } = combinedLoss(lossFn, s.auxLossWeight, model.forward(input) as Tensor | Tensor[], target, 'DataParallel');
    const value = loss.item();
    if (Number.isFinite(value)) loss.mul(c.weight).backward();
    for (let k = 0; k < params.length; k++) {
      const e = s.entries[k]!, g = params[k]!.grad;
      if (!g) { grads.fill(0, e.offset, e.offset + e.numel); continue; }
      const gc = g.contiguous(), d = gc.data as Float32Array | Float64Array, o = gc.offset;
      for (let i = 0; i < e.numel; i++) grads[e.offset + i] = d[o + i]!;
    }
    return { ok: true, loss: value, correct: main.ndim === 2 ? correctTopK(main, target, 1) : 0 };
  }
}

function stateReply(tensors: [string, Tensor][], entries: StateEntry[]): Reply {
  const out = new Float64Array(entries.reduce((a, e) => a + e.numel, 0));
  writeState(tensors, entries, out);
  return { ok: true, state: out };
}

main().catch((e: unknown) => {
  parentPort!.postMessage({ ready: false, error: (e as Error)?.stack ?? String(e) });
});
