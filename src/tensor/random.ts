// Seedable random numbers: xoshiro128** (small state, fast with 32-bit integer ops in JS), whose
// state can be saved and restored exactly, so a resumed training run draws the same numbers.

export interface GeneratorState {
  algorithm: 'xoshiro128**';
  /** four unsigned 32-bit words */
  state: [number, number, number, number];
}

const DEFAULT_SEED = 67280421310721; // PyTorch's default seed, for a familiar starting point

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private seedValue = DEFAULT_SEED;

  constructor(seed: number | bigint = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /** Re-seeds (any integer, up to 2^64 as a bigint). */
  manualSeed(seed: number | bigint): this {
    let hi: number, lo: number;
    if (typeof seed === 'bigint') {
      const v = BigInt.asUintN(64, seed);
      hi = Number(v >> 32n);
      lo = Number(v & 0xffffffffn);
    } else {
      if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(`manualSeed: expected an integer seed, got ${String(seed)}`);
      const v = Math.abs(seed);
      lo = v % 2 ** 32;
      hi = Math.floor(v / 2 ** 32) ^ (seed < 0 ? 0x80000000 : 0);
    }
    const mix = splitmix32((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0);
    const mix2 = splitmix32(hi >>> 0);
    this.s0 = mix() ^ mix2();
    this.s1 = mix();
    this.s2 = mix() ^ mix2();
    this.s3 = mix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
    this.seedValue = typeof seed === 'bigint' ? Number(seed) : seed;
    return this;
  }

  initialSeed(): number {
    return this.seedValue;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5, b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [low, high). */
  nextInt(low: number, high: number): number {
    return low + Math.floor(this.nextDouble() * (high - low));
  }

  fillUniform(out: Float64Array | Float32Array, low = 0, high = 1): void {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.nextDouble();
  }

  /** Standard normals by Box-Muller (two uniforms per pair; an odd tail uses a whole pair). */
  fillNormal(out: Float64Array | Float32Array, mean = 0, std = 1): void {
    const n = out.length;
    for (let i = 0; i < n; i += 2) {
      const u1 = 1 - this.nextDouble(); // (0, 1]: log is finite
      const u2 = this.nextDouble();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
    }
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.nextDouble() * (i + 1));
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }

  getState(): GeneratorState {
    return { algorithm: 'xoshiro128**', state: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  setState(state: GeneratorState): this {
    const s = state?.state;
    if (!state || state.algorithm !== 'xoshiro128**' || !Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new TypeError(`Generator.setState: expected { algorithm: 'xoshiro128**', state: [4 unsigned 32-bit integers] }, got ${JSON.stringify(state)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = s.map((v) => v | 0) as [number, number, number, number];
    return this;
  }

  clone(): Generator {
    return new Generator(this.seedValue).setState(this.getState());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const globalGenerator = new Generator();

/** The generator used when none is given. */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/** Seeds the default generator (like torch.manual_seed). */
export function manualSeed(seed: number | bigint): Generator {
  return globalGenerator.manualSeed(seed);
}
