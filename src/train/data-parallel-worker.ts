// A data-parallel replica: a worker_thread holding its own copy of the model. For each step it
// takes the weights the main thread broadcast, runs forward and backward on its shard of the batch
// on its own kernel thread(s), and hands back its gradients (already weighted by its share of the
// batch), its loss and its correct count. Commands arrive on a MessagePort read synchronously
// (receiveMessageOnPort) after an Atomics wake-up, so a step costs no event-loop round trip.

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { setCallerThreads } from '../backend/index.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { toLossFunction, type LossFunction } from './objective.js';
import { construct, OPEN, readState, REPLY, REQUEST, shardStep, stateLayout, stateTensors, writeState, type ModuleSpec, type StateEntry } from './data-parallel-shared.js';

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
  | { cmd: 'step'; q: number; n: number; shape: number[]; dtype: 'float32' | 'float64'; weight: number; seed: number; input: SharedArrayBuffer; target: SharedArrayBuffer }
  | { cmd: 'state'; q: number }
  | { cmd: 'exit'; q: number };

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
  const state = new Float64Array(s.state);
  const grads = new Float64Array(s.grads);
  const control = new Int32Array(s.control);
  parentPort!.postMessage({ ready: true });

  for (;;) {
    // Drain the port before sleeping: commands posted before `seen` was read are already queued.
    const seen = Atomics.load(control, REQUEST);
    let exit = false;
    for (let m = receiveMessageOnPort(s.port); m; m = receiveMessageOnPort(s.port)) {
      const c = m.message as Command;
      if (c.cmd === 'exit') { exit = true; break; }
      if (c.cmd === 'step' && Atomics.compareExchange(control, OPEN, c.q, 0) !== c.q) continue;  // the main thread took it
      let reply: Reply;
      try {
        reply = c.cmd === 'state' ? stateReply(tensors, s.entries) : step(c);
      } catch (e) {
        reply = { ok: false, error: (e as Error)?.stack ?? String(e) };
      }
      s.port.postMessage(reply);
      Atomics.store(control, REPLY, c.q);
      Atomics.notify(control, REPLY);
    }
    if (exit) break;
    Atomics.wait(control, REQUEST, seen);
  }
  s.port.close();

  function step(c: Extract<Command, { cmd: 'step' }>): Reply {
    readState(tensors, s.entries, state);
    const count = c.shape.reduce((a, b) => a * b, 1);
    const input = Tensor.fromStorage(c.dtype === 'float64' ? new Float64Array(c.input, 0, count).slice() : new Float32Array(c.input, 0, count).slice(), c.dtype, c.shape);
    const target = Tensor.fromStorage(new BigInt64Array(c.target, 0, c.n).slice(), 'int64', [c.n]);
    const r = shardStep(model, lossFn, s.auxLossWeight, s.entries, input, target, c.weight, c.seed, s.rank, grads);
    return { ok: true, loss: r.loss, correct: r.correct };
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
