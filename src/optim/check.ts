// Option checks shared by the optimizers and schedulers: each error names the owner, the option,
// what it expected and what came.

import { describe } from '../tensor/dtype.js';

export interface NumberRule {
  /** inclusive lower bound */
  min?: number;
  /** exclusive lower bound */
  above?: number;
  /** exclusive upper bound */
  below?: number;
  /** inclusive upper bound */
  max?: number;
  integer?: boolean;
}

function ruleText(r: NumberRule): string {
  const parts: string[] = [];
  if (r.integer) parts.push('an integer');
  else parts.push('a number');
  if (r.min !== undefined) parts.push(`>= ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.below !== undefined) parts.push(`< ${r.below}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  return parts.join(' ');
}

/** Checks that `value` is a number satisfying the rule; returns it. */
export function checkNumber(owner: string, name: string, value: unknown, rule: NumberRule = {}): number {
  const ok = typeof value === 'number' && !Number.isNaN(value)
    && (!rule.integer || Number.isInteger(value))
    && (rule.min === undefined || value >= rule.min)
    && (rule.above === undefined || value > rule.above)
    && (rule.below === undefined || value < rule.below)
    && (rule.max === undefined || value <= rule.max);
  if (!ok) throw new RangeError(`${owner}: ${name} must be ${ruleText(rule)}, got ${describe(value)}`);
  return value as number;
}

export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${owner}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function checkChoice<T extends string>(owner: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new RangeError(`${owner}: ${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** Checks an options object: a plain object whose names are all in `known`; returns it. */
export function checkKnownOptions<T extends object>(owner: string, options: T, known: readonly string[]): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object like { ${known.slice(0, 3).join(', ')}, ... }, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${owner}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
  return options;
}
