// Whether operations record the graph. Synchronous scopes only: a scope that awaits would leak
// its mode into whatever else runs meanwhile, so noGrad rejects async functions.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function scoped<T>(mode: boolean, fn: () => T, name: string): T {
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function, got ${typeof fn}`);
  const before = enabled;
  enabled = mode;
  try {
    const out = fn();
    if (out && typeof (out as { then?: unknown }).then === 'function') {
      throw new TypeError(`${name}: the function returned a Promise; wrap only synchronous code (await outside the scope)`);
    }
    return out;
  } finally {
    enabled = before;
  }
}

/** Runs fn without recording the graph (like torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return scoped(false, fn, 'noGrad');
}

/** Runs fn with recording on, even inside noGrad (like torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return scoped(true, fn, 'enableGrad');
}

/** Sets the mode globally; returns the previous one. */
export function setGradEnabled(mode: boolean): boolean {
  const before = enabled;
  enabled = !!mode;
  return before;
}
