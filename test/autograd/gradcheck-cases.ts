// The gradcheck cases, one list per op family. Each case names the API it covers, so that
// gradcheck-coverage.test.ts can tell when a differentiable method has no case. Inputs are
// float64 and chosen away from kinks (|x| > 0.1 for abs/relu, away from clamp bounds, integers
// for floor, ...) where the derivative is not defined; ties are 2-way, where a central difference
// gives exactly the half-and-half split that PyTorch's convention gives.

import { cat, pad, stack, tensor, where, type GradcheckOptions, type Tensor } from '../../src/index.js';
import { unary } from '../../src/tensor/ops/elementwise.js';
import { rng } from '../helpers.js';

export interface GradCase {
  name: string;
  /** Tensor methods or free functions this case exercises. */
  covers: string[];
  fn: (...xs: Tensor[]) => Tensor | Tensor[];
  inputs: () => Tensor[];
  options?: GradcheckOptions;
}

let seed = 1;
/** A float64 tensor requiring grad, uniform in [lo, hi). */
export function u(shape: number[], lo = -1, hi = 1): Tensor {
  const r = rng(seed++);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * r();
  return tensor(v, { shape, dtype: 'float64', requiresGrad: true });
}

/** Values with 0.2 <= |x| < 1.5 and random signs: away from the kink at 0. */
export function away(shape: number[]): Tensor {
  const x = u(shape, 0.2, 1.5).detach();
  const s = u(shape).detach().sign();
  return x.mul(s).detach().requiresGrad_();
}

/** Exact values, requiring grad. */
export function v(values: number[] | number[][], requiresGrad = true): Tensor {
  return tensor(values, { dtype: 'float64', requiresGrad });
}

const idx = (values: number[] | number[][]) => tensor(values);

const un = (name: string, fn: (x: Tensor) => Tensor, inputs: () => Tensor[], covers = [name]): GradCase => ({ name, covers, fn, inputs });

export const UNARY_CASES: GradCase[] = [
  un('neg', (x) => x.neg(), () => [u([3, 4])]),
  un('abs', (x) => x.abs(), () => [away([3, 4])]),
  un('exp', (x) => x.exp(), () => [u([3, 4])]),
  un('exp2', (x) => x.exp2(), () => [u([3, 4])]),
  un('expm1', (x) => x.expm1(), () => [u([3, 4])]),
  un('log', (x) => x.log(), () => [u([3, 4], 0.5, 2)]),
  un('log2', (x) => x.log2(), () => [u([3, 4], 0.5, 2)]),
  un('log1p', (x) => x.log1p(), () => [u([3, 4], -0.5, 2)]),
  un('sqrt', (x) => x.sqrt(), () => [u([3, 4], 0.5, 2)]),
  un('rsqrt', (x) => x.rsqrt(), () => [u([3, 4], 0.5, 2)]),
  un('square', (x) => x.square(), () => [u([3, 4])]),
  un('reciprocal', (x) => x.reciprocal(), () => [away([3, 4])]),
  un('sign', (x) => x.sign(), () => [away([3, 4])]),
  un('sin', (x) => x.sin(), () => [u([3, 4], -3, 3)]),
  un('cos', (x) => x.cos(), () => [u([3, 4], -3, 3)]),
  un('sigmoid', (x) => x.sigmoid(), () => [u([3, 4], -4, 4)]),
  un('tanh', (x) => x.tanh(), () => [u([3, 4], -3, 3)]),
  un('relu', (x) => x.relu(), () => [away([3, 4])]),
  un('relu6', (x) => x.relu6(), () => [v([-1, 0.5, 3, 5.5, 7, -0.3])]),
  un('leakyRelu', (x) => x.leakyRelu(0.2), () => [away([3, 4])]),
  un('gelu', (x) => x.gelu(), () => [u([3, 4], -3, 3)]),
  un('silu', (x) => x.silu(), () => [u([3, 4], -3, 3)]),
  un('softplus', (x) => x.softplus(), () => [u([3, 4], -5, 5)]),
  un('erf', (x) => x.erf(), () => [u([3, 4], -2, 2)]),
  un('floor', (x) => x.floor(), () => [v([0.3, -1.6, 2.5])], ['floor']),
  un('ceil', (x) => x.ceil(), () => [v([0.3, -1.6, 2.5])]),
  un('round', (x) => x.round(), () => [v([0.3, -1.6, 2.2])]),
  un('trunc', (x) => x.trunc(), () => [v([0.3, -1.6, 2.5])]),
  un('clamp', (x) => x.clamp(-0.5, 0.5), () => [v([-0.9, -0.2, 0.1, 0.7, 0.45, -0.55])]),
  un('clamp min only', (x) => x.clamp(0), () => [away([3, 4])], ['clamp']),
  un('clamp max only', (x) => x.clamp(null, 0.3), () => [v([-1, 0.1, 0.5])], ['clamp']),
  un('clip', (x) => x.clip(-0.5, 0.5), () => [v([-0.9, -0.2, 0.1, 0.7])]),
  ...[1, 2, 3, 0.5, -0.5, -1, 1.7, -2.3, 0].map((p) => un(`pow ${p}`, (x) => x.pow(p), () => [u([3, 4], 0.5, 2)], ['pow'])),
  un('pow of negative base, integer exponent', (x) => x.pow(3), () => [u([5], -2, -0.5)], ['pow']),
  un('rpowScalar (internal)', (x) => unary('rpowScalar', x, 2.5), () => [u([5])], []),
  un('affine (internal)', (x) => unary('affine', x, -1.5, 0.25), () => [u([5])], []),
  un('to float32 and back', (x) => x.to('float32').to('float64').mul(x), () => [u([5], 0.5, 2)], ['to', 'float', 'double']),
];
// rounding to float32/float16/bfloat16 makes central differences noisy: a larger step, looser tolerances
UNARY_CASES.find((c) => c.name === 'to float32 and back')!.options = { eps: 1e-3, rtol: 1e-3, atol: 1e-3 };
UNARY_CASES.push(
  { name: 'to float16 and back', covers: ['half', 'to'], fn: (x) => x.half().mul(3).double(), inputs: () => [u([5], 0.5, 2)], options: { eps: 0.05, rtol: 2e-2, atol: 2e-2 } },
  { name: 'to bfloat16 and back', covers: ['bfloat16', 'to'], fn: (x) => x.bfloat16().mul(3).double(), inputs: () => [u([5], 0.5, 2)], options: { eps: 0.2, rtol: 5e-2, atol: 5e-2 } },
);

const bin = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, inputs: () => Tensor[], covers = [name]): GradCase => ({ name, covers, fn, inputs });

export const BINARY_CASES: GradCase[] = [
  bin('add', (a, b) => a.add(b), () => [u([3, 4]), u([3, 4])]),
  bin('add broadcast with alpha', (a, b) => a.add(b, -2.5), () => [u([2, 3, 4]), u([3, 1])], ['add']),
  bin('add scalar', (a) => a.add(2), () => [u([3])], ['add']),
  bin('sub', (a, b) => a.sub(b, 0.5), () => [u([4, 1]), u([3])]),
  bin('mul', (a, b) => a.mul(b), () => [u([2, 1, 4]), u([3, 1])]),
  bin('mul 0-d', (a, b) => a.mul(b), () => [u([]), u([2, 3])], ['mul']),
  bin('div', (a, b) => a.div(b), () => [u([3, 4]), away([4])]),
  bin('div scalar', (a) => a.div(-3), () => [u([3])], ['div']),
  bin('pow tensor', (a, b) => a.pow(b), () => [u([3, 4], 0.5, 2), u([4], -2, 2)], ['pow']),
  bin('maximum', (a, b) => a.maximum(b), () => [u([3, 4]), u([4])]),
  bin('maximum ties', (a, b) => a.maximum(b), () => [v([1, 2, -3]), v([1, 0, -3])], ['maximum']),
  bin('minimum', (a, b) => a.minimum(b), () => [u([3, 1]), u([3, 4])]),
  bin('minimum ties', (a, b) => a.minimum(b), () => [v([1, 2, -3]), v([1, 0, -3])], ['minimum']),
  bin('atan2', (a, b) => a.atan2(b), () => [u([3, 4]), away([3, 4])]),
  bin('remainder', (a, b) => a.remainder(b), () => [v([2.3, -2.3, 5.1, -0.4]), v([1.5, 1.5, -2, 0.7])]),
  bin('lerp scalar weight', (a, b) => a.lerp(b, 0.3), () => [u([3, 4]), u([3, 4])], ['lerp']),
  { name: 'lerp tensor weight', covers: ['lerp'], fn: (a, b, w) => a.lerp(b, w), inputs: () => [u([3, 4]), u([4]), u([3, 1])] },
  { name: 'where', covers: ['where'], fn: (a, b, c) => a.where(c.gt(0), b), inputs: () => [u([3, 4]), u([4]), u([3, 4]).detach()] },
  { name: 'where (function) with a scalar', covers: ['where'], fn: (a, c) => where(c.gt(0), 1.5, a), inputs: () => [u([3, 4]), u([3, 4]).detach()] },
  { name: 'maskedFill', covers: ['maskedFill'], fn: (a, c) => a.maskedFill(c.gt(0), -1), inputs: () => [u([3, 4]), u([4]).detach()] },
];

const red = (name: string, fn: (x: Tensor) => Tensor | Tensor[], inputs: () => Tensor[], covers: string[]): GradCase => ({ name, covers, fn, inputs });

export const REDUCTION_CASES: GradCase[] = [
  red('sum all', (x) => x.sum(), () => [u([3, 4])], ['sum']),
  red('sum dims keepdim', (x) => x.sum([0, 2], true), () => [u([2, 3, 4])], ['sum']),
  red('sum negative dim', (x) => x.sum(-1), () => [u([2, 3, 4])], ['sum']),
  red('mean', (x) => x.mean([1]), () => [u([2, 3, 4])], ['mean']),
  red('mean non-adjacent dims', (x) => x.mean([0, 2], true), () => [u([2, 3, 4])], ['mean']),
  red('prod dim', (x) => x.prod(1), () => [u([3, 4])], ['prod']),
  red('prod all', (x) => x.prod(), () => [u([2, 3], 0.5, 1.5)], ['prod']),
  red('prod one zero', (x) => x.prod(1, true), () => [v([[1.5, 0, 2], [0.5, -1, 3]])], ['prod']),
  red('prod two zeros', (x) => x.prod(0), () => [v([[0, 2], [0, 3], [1, 0]])], ['prod']),
  red('amax', (x) => x.amax(1), () => [u([3, 4])], ['amax']),
  red('amax 2-way ties', (x) => x.amax([0, 1]), () => [v([[1, 3], [3, 2]])], ['amax']),
  red('amin', (x) => x.amin([0, 2], true), () => [u([2, 3, 2])], ['amin']),
  red('amin 2-way ties', (x) => x.amin(1), () => [v([[1, 1, 2], [0, 3, 0]])], ['amin']),
  red('max all with a 2-way tie', (x) => x.max(), () => [v([[1, 4], [4, 2]])], ['max']),
  red('min all', (x) => x.min(), () => [u([3, 4])], ['min']),
  red('max(dim)', (x) => { const r = x.max(1); return [r.values, r.indices]; }, () => [u([3, 4])], ['max']),
  red('min(dim, keepdim)', (x) => x.min(0, true).values, () => [u([3, 4])], ['min']),
  red('var', (x) => x.var(1), () => [u([3, 4])], ['var']),
  red('var correction 0, all', (x) => x.var(null, { correction: 0 }), () => [u([3, 4])], ['var']),
  red('var correction 2 keepdim', (x) => x.var([0, 2], { correction: 2, keepdim: true }), () => [u([2, 3, 4])], ['var']),
  red('std', (x) => x.std(0, { keepdim: true }), () => [u([3, 4])], ['std']),
  red('logsumexp', (x) => x.logsumexp(1), () => [u([3, 4], -3, 3)], ['logsumexp']),
  red('logsumexp dims', (x) => x.logsumexp([0, 2], true), () => [u([2, 3, 4], -3, 3)], ['logsumexp']),
  ...([1, 2, 3, 0.5, 1.5, Infinity] as const).flatMap((p) => [
    red(`norm p=${p}`, (x) => x.norm(p), () => [away([3, 4])], ['norm']),
    red(`norm p=${p} dims`, (x) => x.norm(p, [0, 2], true), () => [away([2, 3, 2])], ['norm']),
  ]),
  red('norm p=Infinity 2-way tie', (x) => x.norm(Infinity, 1), () => [v([[1, -3, 3], [2, 0.5, -1]])], ['norm']),
  red('norm p=0 (zero gradient)', (x) => x.norm(0).add(x.sum()), () => [away([4])], ['norm']),
];

const sh = (name: string, fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: () => Tensor[], covers: string[]): GradCase => ({ name, covers, fn, inputs });

export const MATMUL_CASES: GradCase[] = [
  sh('matmul 1d 1d', (a, b) => a.matmul(b), () => [u([5]), u([5])], ['matmul']),
  sh('matmul 2d 1d', (a, b) => a.matmul(b), () => [u([3, 5]), u([5])], ['matmul']),
  sh('matmul 1d 2d', (a, b) => a.matmul(b), () => [u([5]), u([5, 2])], ['matmul']),
  sh('matmul 2d 2d', (a, b) => a.matmul(b), () => [u([3, 5]), u([5, 2])], ['matmul']),
  sh('matmul batched broadcast', (a, b) => a.matmul(b), () => [u([2, 1, 3, 4]), u([3, 4, 2])], ['matmul']),
  sh('matmul batched 1d', (a, b) => a.matmul(b), () => [u([2, 3, 4]), u([4])], ['matmul']),
  sh('matmul transposed views', (a, b) => a.t().matmul(b.t()), () => [u([5, 3]), u([2, 5])], ['matmul', 't']),
  sh('matmul permuted batch', (a, b) => a.permute(1, 0, 2).matmul(b.transpose(1, 2)), () => [u([3, 2, 4]), u([2, 5, 4])], ['matmul', 'permute', 'transpose']),
  sh('mm', (a, b) => a.mm(b), () => [u([3, 4]), u([4, 2])], ['mm']),
  sh('bmm', (a, b) => a.bmm(b), () => [u([2, 3, 4]), u([2, 4, 2])], ['bmm']),
];

export const VIEW_CASES: GradCase[] = [
  sh('view', (x) => x.view(4, 3).mul(x.view(-1).view(4, 3)), () => [u([2, 6])], ['view']),
  sh('reshape as a view', (x) => x.reshape(3, 4).exp(), () => [u([2, 6])], ['reshape']),
  sh('reshape with a copy', (x) => x.t().reshape(12).exp(), () => [u([3, 4])], ['reshape', 't']),
  sh('permute', (x) => x.permute(2, 0, 1).exp(), () => [u([2, 3, 4])], ['permute']),
  sh('transpose', (x) => x.transpose(0, -1).contiguous().exp(), () => [u([2, 3, 4])], ['transpose', 'contiguous']),
  sh('T', (x) => x.T.exp(), () => [u([2, 3, 4])], ['T']),
  sh('narrow', (x) => x.narrow(1, 1, 2).exp(), () => [u([3, 4])], ['narrow']),
  sh('slice with step', (x) => x.slice(1, 1, undefined, 2).slice(0, -2).exp(), () => [u([3, 5])], ['slice']),
  sh('select', (x) => x.select(1, -1).exp(), () => [u([3, 4])], ['select']),
  sh('expand', (x) => x.expand(2, 3, 4).exp(), () => [u([3, 1])], ['expand']),
  sh('expandAs', (x, y) => x.expandAs(y).mul(y), () => [u([1, 4]), u([3, 4])], ['expandAs']),
  sh('squeeze', (x) => x.squeeze().exp().add(x.squeeze(0).sum()), () => [u([1, 3, 1])], ['squeeze']),
  sh('unsqueeze', (x) => x.unsqueeze(1).expand(3, 2, 4).exp(), () => [u([3, 4])], ['unsqueeze']),
  sh('flatten', (x) => x.transpose(0, 1).flatten(1).exp(), () => [u([2, 3, 4])], ['flatten']),
  sh('unflatten', (x) => x.unflatten(1, [2, 2]).exp(), () => [u([3, 4])], ['unflatten']),
  sh('split', (x) => { const [a, b] = x.split([1, 3], 1); return a!.mul(b!.sum(1, true)); }, () => [u([3, 4])], ['split']),
  sh('split by size', (x) => x.split(2)[1]!.exp(), () => [u([5, 2])], ['split']),
  sh('chunk', (x) => cat(x.chunk(3).map((c, i) => c.mul(i + 1))), () => [u([7, 2])], ['chunk', 'cat']),
  sh('unbind', (x) => { const [a, b] = x.unbind(1); return a!.mul(b!); }, () => [u([3, 2])], ['unbind']),
  sh('clone', (x) => x.clone().mul(x), () => [u([3])], ['clone']),
  sh('contiguous of a view', (x) => x.t().contiguous().exp(), () => [u([3, 4])], ['contiguous']),
  sh('a view of a view of a view', (x) => x.permute(1, 0, 2).narrow(0, 1, 2).select(2, 1).unsqueeze(0).expand(2, 2, 2).exp(), () => [u([2, 3, 4])], ['permute', 'narrow', 'select']),
];

export const INDEXING_CASES: GradCase[] = [
  sh('gather', (x, i) => x.gather(1, i), () => [u([3, 4]), idx([[3, 0], [1, 1], [0, 2]])], ['gather']),
  sh('gather duplicates along dim 0', (x, i) => x.gather(0, i), () => [u([3, 4]), idx([[0, 0, 1], [2, 2, 2]])], ['gather']),
  sh('scatter (input and src)', (x, s, i) => x.scatter(0, i, s), () => [u([3, 5]), u([2, 5]), idx([[0, 1, 2, 0, 1], [2, 0, 1, 1, 0]])], ['scatter']),
  sh('scatter with src larger than index', (x, s, i) => x.scatter(1, i, s), () => [u([2, 4]), u([3, 3]), idx([[1, 3], [0, 2]])], ['scatter']),
  sh('scatter a number', (x, i) => x.scatter(1, i, 2.5), () => [u([2, 4]), idx([[1], [3]])], ['scatter']),
  sh('scatterAdd', (x, s, i) => x.scatterAdd(0, i, s), () => [u([3, 5]), u([2, 5]), idx([[0, 1, 2, 0, 0], [0, 0, 1, 1, 0]])], ['scatterAdd']),
  sh('indexSelect', (x, i) => x.indexSelect(0, i), () => [u([4, 3]), idx([3, 0, 3, 1])], ['indexSelect']),
  sh('indexSelect dim 1', (x, i) => x.indexSelect(1, i), () => [u([2, 4, 3]), idx([2, 2, 0])], ['indexSelect']),
  sh('cat', (a, b, c) => cat([a, b, c], 1), () => [u([2, 3]), u([2, 1]), u([2, 2])], ['cat']),
  sh('cat mixed float dtypes', (a, b) => cat([a, b.to('float32')]).to('float64').mul(a.sum()), () => [u([2]), u([2])], ['cat']),
  sh('stack', (a, b) => stack([a, b], 1), () => [u([2, 3]), u([2, 3])], ['stack']),
  sh('stack 0-d', (a, b) => stack([a, b]), () => [u([]), u([])], ['stack']),
  sh('pad', (x) => pad(x, [1, 2, 0, 1], 0.5), () => [u([2, 3, 4])], ['pad']),
  sh('pad negative', (x) => pad(x, [-1, 2, 1, -1]), () => [u([2, 3, 4])], ['pad']),
];
INDEXING_CASES.find((c) => c.name === 'cat mixed float dtypes')!.options = { eps: 1e-3, rtol: 1e-3, atol: 1e-3 };

/** In-place ops recorded inside a graph: on non-leaves and on views of non-leaves. */
export const INPLACE_CASES: GradCase[] = [
  sh('add_', (a, b) => a.mul(1).add_(b, 2), () => [u([3, 4]), u([4])], ['add_']),
  sh('sub_', (a, b) => a.mul(1).sub_(b), () => [u([3, 4]), u([3, 1])], ['sub_']),
  sh('mul_', (a, b) => a.mul(1).mul_(b), () => [u([3, 4]), u([4])], ['mul_']),
  sh('div_', (a, b) => a.mul(1).div_(b), () => [u([3, 4]), away([4])], ['div_']),
  sh('mul_ by a number', (a) => a.mul(1).mul_(-3).exp(), () => [u([3])], ['mul_']),
  sh('pow_', (a) => a.mul(1).pow_(3), () => [u([3])], ['pow_']),
  sh('clamp_', (a) => a.mul(1).clamp_(-0.5, 0.5), () => [v([-0.9, -0.2, 0.1, 0.7])], ['clamp_']),
  sh('relu_', (a) => a.mul(2).relu_(), () => [away([3, 4])], ['relu_']),
  sh('neg_', (a) => a.mul(2).neg_(), () => [u([3])], ['neg_']),
  sh('sqrt_', (a) => a.mul(2).sqrt_(), () => [u([3], 0.5, 2)], ['sqrt_']),
  sh('zero_', (a) => a.mul(2).zero_().add(a), () => [u([3])], ['zero_']),
  sh('fill_', (a) => a.mul(2).fill_(2).mul(a), () => [u([3])], ['fill_']),
  sh('copy_', (a, b) => a.mul(1).copy_(b).mul(a), () => [u([3, 4]), u([4])], ['copy_']),
  sh('addcmul_', (a, b, c) => a.mul(1).addcmul_(b, c, 0.5), () => [u([3]), u([3]), u([3])], ['addcmul_']),
  sh('addcdiv_', (a, b, c) => a.mul(1).addcdiv_(b, c, -2), () => [u([3]), u([3]), away([3])], ['addcdiv_']),
  sh('lerp_', (a, b) => a.mul(1).lerp_(b, 0.25), () => [u([3]), u([3])], ['lerp_']),
  sh('maskedFill_', (a, m) => a.mul(1).maskedFill_(m.gt(0), 3).mul(a), () => [u([3, 4]), u([4]).detach()], ['maskedFill_']),
  sh('in-place on a strided view of a non-leaf', (a, b) => {
    const y = a.mul(2);
    y.slice(0, 1).slice(1, 0, 4, 2).mul_(b);
    y.select(1, 3).add_(1);
    return y.exp();
  }, () => [u([3, 4]), u([2])], ['mul_', 'add_']),
  sh('in-place on a transposed view, then the base reused', (a, b) => {
    const y = a.mul(1);
    y.t().select(0, 1).mul_(b);
    return y.mul(y);
  }, () => [u([3, 4]), u([3])], ['mul_']),
  sh('copy_ into a slice of a buffer', (x) => {
    const buf = tensor(new Float64Array(6), { shape: [2, 3] });
    buf.select(0, 1).copy_(x.exp());
    return buf.mul(buf.sum());
  }, () => [u([3])], ['copy_']),
  sh('in-place twice on the same view', (a) => {
    const y = a.mul(1);
    const view = y.narrow(0, 1, 2);
    view.mul_(a.narrow(0, 0, 2));
    view.add_(view.detach().mul(0).add(1));
    return y.mul(y).sum();
  }, () => [u([4])], ['mul_', 'add_']),
];
