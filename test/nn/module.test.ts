import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, tensor, randn, zeros, noGrad, type Tensor } from '../../src/index.js';
import { assertTensorClose } from '../helpers.js';
import { loadFixture } from './fixture.js';

const fixture = loadFixture('nn_modules.json');

class Block extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly bn: nn.BatchNorm2d;
  readonly act: nn.ReLU;
  constructor(c: number) {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(c, c, 3, { padding: 1, bias: false }));
    this.bn = this.registerModule('bn', new nn.BatchNorm2d(c));
    this.act = this.registerModule('act', new nn.ReLU());
  }
  override forward(x: Tensor): Tensor {
    return this.act.call(this.bn.call(this.conv.call(x)));
  }
}

function nested(): nn.Sequential {
  return new nn.Sequential(new Map<string, nn.Module>([
    ['stem', new nn.Sequential(new nn.Conv2d(3, 8, 3, { stride: 2 }), new nn.BatchNorm2d(8), new nn.ReLU())],
    ['blocks', new nn.ModuleList([new Block(8), new Block(8)])],
    ['pool', new nn.AdaptiveAvgPool2d(1)],
    ['flat', new nn.Flatten()],
    ['head', new nn.Sequential(new nn.Dropout(0.5), new nn.Linear(8, 10))],
  ]));
}

function describeModule(m: nn.Module) {
  return {
    stateDict: [...m.stateDict()].map(([k, v]) => [k, [...v.shape], v.dtype]),
    parameters: m.namedParameters().map(([k]) => k),
    buffers: m.namedBuffers().map(([k]) => k),
    modules: m.namedModules().map(([k]) => k),
    numParameters: m.parameters().reduce((s, p) => s + p.numel(), 0),
  };
}

test('state-dict keys, shapes, dtypes and names are exactly PyTorch\'s', () => {
  const models: Record<string, nn.Module> = {
    nested: nested(),
    bnNoAffine: new nn.BatchNorm2d(4, { affine: false }),
    bnUntracked: new nn.BatchNorm2d(4, { trackRunningStats: false }),
    linearNoBias: new nn.Linear(3, 2, { bias: false }),
    depthwise: new nn.Conv2d(6, 12, 3, { groups: 6 }),
    crossEntropyWeight: new nn.CrossEntropyLoss({ weight: zeros(3) }),
  };
  for (const [name, m] of Object.entries(models)) assert.deepEqual(describeModule(m), fixture.models[name], name);
});

test('parameters, children and modules are listed in definition order, shared ones once', () => {
  const shared = new nn.Linear(2, 2);
  const m = new nn.Sequential(shared, new nn.ReLU(), shared);
  assert.equal(m.parameters().length, 2);
  assert.deepEqual(m.namedParameters().map(([k]) => k), ['0.weight', '0.bias']);
  assert.deepEqual([...m.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.equal(m.children().length, 2);
  assert.deepEqual(m.namedChildren().map(([k]) => k), ['0', '1']);
  assert.equal(m.modules().length, 3);
  assert.deepEqual(m.namedParameters('model').map(([k]) => k), ['model.0.weight', 'model.0.bias']);
  assert.deepEqual(m.parameters(false), []);
  const order: string[] = [];
  nested().apply((mod) => order.push(mod.constructor.name));
  assert.deepEqual(order.slice(0, 4), ['Conv2d', 'BatchNorm2d', 'ReLU', 'Sequential']);
  assert.equal(order[order.length - 1], 'Sequential');
});

test('train() and eval() reach every descendant', () => {
  const m = nested();
  assert.ok(m.modules().every((x) => x.training));
  assert.equal(m.eval(), m);
  assert.ok(m.modules().every((x) => !x.training));
  m.train();
  assert.ok(m.modules().every((x) => x.training));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => m.train('yes' as any), /Sequential.train: expected a boolean mode/);
});

test('registration: PyTorch names, camelCase properties, replacement in place, clear errors', () => {
  class Net extends nn.Module {
    scale: nn.Parameter;
    stats: Tensor;
    constructor() {
      super();
      this.scale = this.registerParameter('scale', new nn.Parameter(tensor([1, 2], { dtype: 'float32' })));
      this.stats = this.registerBuffer('running_stats', zeros(2));
      this.registerBuffer('cache', zeros(1), { persistent: false });
      this.registerModule('fc', new nn.Linear(2, 2));
    }
  }
  const net = new Net();
  assert.deepEqual([...net.stateDict().keys()], ['scale', 'running_stats', 'fc.weight', 'fc.bias']);
  assert.deepEqual(net.namedBuffers().map(([k]) => k), ['running_stats', 'cache']);
  net.registerModule('fc', new nn.Linear(2, 3));
  assert.deepEqual(net.stateDict().get('fc.weight')!.shape, [3, 2]);
  assert.throws(() => net.registerBuffer('scale', zeros(1)), /Net.registerBuffer: 'scale' is already registered as a parameter/);
  assert.throws(() => net.registerParameter('a.b', null), /contain no '\.'/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => net.registerParameter('w', zeros(2) as any), /'w' must be a Parameter or null, got a Tensor/);
  assert.throws(() => new nn.Parameter(tensor([1, 2])), /Parameter: only floating-point tensors can require gradients, got int64/);
  const p = new nn.Parameter(zeros(3));
  assert.ok(p.requiresGrad && p.isLeaf && p instanceof nn.Parameter);
  assert.equal(new nn.Parameter(tensor([1]), false).requiresGrad, false);
});

test('loadStateDict copies in place, converts dtypes, and with strict lists every problem without copying anything', () => {
  const a = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const b = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
  const w0 = b.at(0) as nn.Linear;
  const before = w0.weight;
  const sd = a.stateDict();
  const double = new Map([...sd].map(([k, v]) => [k, v.double()] as const));
  assert.deepEqual(b.loadStateDict(double), { missingKeys: [], unexpectedKeys: [] });
  assert.equal(w0.weight, before, 'same Parameter object');
  assert.equal(w0.weight.dtype, 'float32');
  const x = randn(5, 3);
  assertTensorClose(b.call(x), a.call(x).toFloat32Array(), { rtol: 0, atol: 0 });

  const c = new nn.Sequential(new nn.Linear(3, 5), new nn.ReLU(), new nn.Linear(4, 2, { bias: false }));
  const cw = (c.at(0) as nn.Linear).weight.clone();
  const bad = new Map(sd);
  bad.set('extra.weight', zeros(1));
  assert.throws(() => c.loadStateDict(bad), (e: Error) => {
    assert.match(e.message, /Sequential\.loadStateDict: error\(s\) in loading the state dict/);
    assert.match(e.message, /Unexpected key\(s\) in state dict: "2\.bias", "extra\.weight"/);
    assert.match(e.message, /size mismatch for 0\.weight: copying a tensor with shape \[4, 3\] from the checkpoint, the shape in the current model is \[5, 3\]/);
    assert.match(e.message, /size mismatch for 0\.bias/);
    return true;
  });
  assertTensorClose((c.at(0) as nn.Linear).weight, cw.toFloat32Array(), { rtol: 0, atol: 0 }, undefined, 'nothing copied');
  // missing keys
  const partial = new Map([...sd].filter(([k]) => k !== '2.bias'));
  assert.throws(() => a.loadStateDict(partial), /Missing key\(s\) in state dict: "2\.bias"/);
  assert.deepEqual(a.loadStateDict(partial, { strict: false }), { missingKeys: ['2.bias'], unexpectedKeys: [] });
  // shape mismatches are errors even when not strict
  assert.throws(() => c.loadStateDict(sd, { strict: false }), /size mismatch for 0\.weight/);
  // a plain object works too
  assert.deepEqual(a.loadStateDict(Object.fromEntries(sd)).missingKeys, []);
});

test('stateDict values share memory with the module; keepVars returns the parameters themselves', () => {
  const lin = new nn.Linear(2, 2);
  const sd = lin.stateDict();
  noGrad(() => lin.weight.fill_(3));
  assert.deepEqual(sd.get('weight')!.toArray(), [[3, 3], [3, 3]]);
  assert.equal(sd.get('weight')!.requiresGrad, false);
  assert.equal(lin.stateDict({ keepVars: true }).get('weight'), lin.weight);
  assert.deepEqual([...lin.stateDict({ prefix: 'fc.' }).keys()], ['fc.weight', 'fc.bias']);
});

test('to(dtype) converts parameters, grads and floating buffers in place, keeping the Parameter objects', () => {
  const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm2d(2));
  const params = m.parameters();
  const lin = m.at(0) as nn.Linear;
  const w32 = lin.weight.toFloat32Array();
  lin.weight.grad = randn(2, 3);
  m.to('float16');
  assert.deepEqual(m.parameters(), params);
  assert.ok(params.every((p) => p.dtype === 'float16' && p.requiresGrad && p.isLeaf));
  assert.equal(lin.weight.grad!.dtype, 'float16');
  const sd = m.stateDict();
  assert.equal(sd.get('1.running_mean')!.dtype, 'float16');
  assert.equal(sd.get('1.num_batches_tracked')!.dtype, 'int64');
  assertTensorClose(lin.weight, Array.from(tensor(w32).half().toFloat32Array()), { rtol: 0, atol: 0 });
  const y = lin.call(randn(4, 3).half());
  assert.equal(y.dtype, 'float16');
  m.double();
  assert.ok(params.every((p) => p.dtype === 'float64'));
  assert.throws(() => m.to('int32'), /Sequential.to: expected a floating-point dtype, got int32/);
});

test('zeroGrad zeroes in place by default and can drop the gradients', () => {
  const lin = new nn.Linear(3, 2);
  lin.call(randn(4, 3)).sum().backward();
  const g = lin.weight.grad!;
  lin.zeroGrad();
  assert.equal(lin.weight.grad, g);
  assert.deepEqual(Array.from(g.toFloat32Array()), [0, 0, 0, 0, 0, 0]);
  lin.zeroGrad({ setToNone: true });
  assert.equal(lin.weight.grad, null);
  lin.requiresGrad_(false);
  assert.ok(lin.parameters().every((p) => !p.requiresGrad));
});

test('Sequential and ModuleList: names, indexing, appending, inserting', () => {
  const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
  s.append(new nn.Linear(3, 1));
  assert.equal(s.length, 3);
  assert.ok(s.at(-1) instanceof nn.Linear);
  assert.deepEqual([...s].map((m) => m.constructor.name), ['Linear', 'ReLU', 'Linear']);
  assert.deepEqual(s.call(randn(5, 2)).shape, [5, 1]);
  assert.throws(() => s.at(3), /Sequential.at: index 3 is out of range for 3 modules/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  assert.throws(() => new nn.Sequential(new nn.ReLU(), 3 as any), /Sequential: expected modules, got number 3 at position 1/);
  const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(2, 2)]);
  list.insert(1, new nn.Linear(3, 3));
  assert.deepEqual([...list.stateDict().entries()].map(([k, v]) => `${k}:${v.shape[0]}`), ['0.weight:1', '0.bias:1', '1.weight:3', '1.bias:3', '2.weight:2', '2.bias:2']);
  assert.throws(() => list.forward(), /ModuleList: has no forward/);
});

test('toString prints the tree like PyTorch', () => {
  const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Sequential(new nn.Dropout(0.25)));
  assert.equal(s.toString(), [
    'Sequential(',
    '  (0): Linear(inFeatures=2, outFeatures=3, bias=true)',
    '  (1): ReLU()',
    '  (2): Sequential(',
    '    (0): Dropout(p=0.25)',
    '  )',
    ')',
  ].join('\n'));
});
