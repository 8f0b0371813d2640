"""PyTorch timings for the nn section of the benchmark (bench/nn-kernels.ts).

Reads {"cases": [...], "minSeconds": s} as JSON on stdin and prints {"ms": {"<case id>":
milliseconds}, "wallMs": {...}}: the fastest of five batches of calls, in process CPU time per
thread ("ms") and wall time ("wallMs"), the same rules as the TypeScript side (bench/timing.ts).
Threads come from OMP_NUM_THREADS, set by the caller.
"""
import contextlib
import json
import sys

import torch
import torch.nn.functional as F

from timing import best_seconds

aten = torch.ops.aten


def timed(fn, min_seconds):
    cpu, wall = best_seconds(fn, min_seconds)
    return cpu * 1e3, wall * 1e3


def case_fn(c):
    p = c['params']
    op = c['op']
    if op in ('maxpool', 'maxpool_bwd'):
        x = torch.randn(p['n'], p['c'], p['h'], p['w'])
        k, s, pad, ceil = [p['k']] * 2, [p['s']] * 2, [p['p']] * 2, p['ceil']
        y, idx = aten.max_pool2d_with_indices(x, k, s, pad, [1, 1], ceil)
        if op == 'maxpool':
            return lambda: aten.max_pool2d_with_indices(x, k, s, pad, [1, 1], ceil)
        dy = torch.randn_like(y)
        return lambda: aten.max_pool2d_with_indices_backward(dy, x, k, s, pad, [1, 1], ceil, idx)
    if op == 'batchnorm':
        x = torch.randn(p['n'], p['c'], p['h'], p['w'])
        w, b = torch.rand(p['c']) + 0.5, torch.randn(p['c'])
        rm, rv = torch.zeros(p['c']), torch.ones(p['c'])
        dy = torch.randn_like(x)

        def run():
            y, sm, si = torch.native_batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5)
            aten.native_batch_norm_backward(dy, x, w, rm, rv, sm, si, True, 1e-5, [True, True, True])
        return run
    if op == 'lrn':
        x = torch.randn(p['n'], p['c'], p['h'], p['w']).requires_grad_(True)
        dy = torch.randn(p['n'], p['c'], p['h'], p['w'])

        def run():
            y = F.local_response_norm(x, p['size'], p['alpha'], p['beta'], p['k'])
            torch.autograd.grad(y, x, dy)
        return run
    if op == 'adaptive':
        x = torch.randn(p['n'], p['c'], p['h'], p['w'])
        dy = torch.randn(p['n'], p['c'], p['oh'], p['ow'])

        def run():
            F.adaptive_avg_pool2d(x, (p['oh'], p['ow']))
            aten._adaptive_avg_pool2d_backward(dy, x)
        return run
    if op == 'log_softmax':
        x = torch.randn(p['rows'], p['dim']) * 5
        dy = torch.randn_like(x)

        def run():
            y = torch.log_softmax(x, 1)
            torch._log_softmax_backward_data(dy, y, 1, torch.float32)
        return run
    raise ValueError(f'unknown op {op}')


def main():
    spec = json.load(sys.stdin)
    torch.manual_seed(0)
    ms, wall_ms = {}, {}
    with torch.no_grad():
        for c in spec['cases']:
            fn = case_fn(c)
            with torch.enable_grad() if c['op'] == 'lrn' else contextlib.nullcontext():
                ms[c['id']], wall_ms[c['id']] = timed(fn, spec['minSeconds'])
    json.dump({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'ms': ms, 'wallMs': wall_ms}, sys.stdout)


if __name__ == '__main__':
    main()
