"""PyTorch timings for the elementwise section of the benchmark (bench/elementwise.ts).

Reads {"ids": [...], "n": N, "shape": [n, c, h, w], "minSeconds": s} as JSON on stdin and prints
{"seconds": {"<id>": s}, "wallSeconds": {...}}: the fastest of five batches of calls, in process
CPU time per thread and in wall time, the same rules as the TypeScript side (bench/timing.ts),
writing into preallocated outputs where PyTorch has an out= form. Threads come from
OMP_NUM_THREADS, set by the caller.
"""
import json
import sys

import torch
import torch.nn.functional as F

from timing import best_seconds


def main():
    req = json.load(sys.stdin)
    n, (bn, c, h, w) = req['n'], req['shape']
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, generator=g) * 8 - 4
    y = torch.rand(n, generator=g) * 2 - 1
    out = torch.empty(n)
    bias = torch.rand(c, 1, 1, generator=g)
    half = torch.empty(n, dtype=torch.float16)
    bf = torch.empty(n, dtype=torch.bfloat16)
    u8 = torch.empty(n, dtype=torch.bool)
    x4, out4 = x.view(bn, c, h, w), out.view(bn, c, h, w)
    rows = n // 1000
    xr = x[: rows * 1000].view(rows, 1000)
    idx = torch.empty(rows, dtype=torch.int64)
    xc = x.view(n // 1024, 1024)
    col = torch.empty(1024)
    one = torch.tensor(1.5)
    s64 = torch.rand(64, generator=g)
    t64 = torch.rand(64, generator=g)
    o64 = torch.empty(64)
    h64 = torch.empty(64, dtype=torch.float16)
    half.copy_(x)
    cases = {
        'add': lambda: torch.add(x, y, out=out),
        'add_bias': lambda: torch.add(x4, bias, out=out4),
        'mul_scalar': lambda: torch.mul(x, one, out=out),
        'gt': lambda: torch.gt(x, y, out=u8),
        'relu': lambda: torch.clamp_min(x, 0, out=out),
        'exp': lambda: torch.exp(x, out=out),
        'sigmoid': lambda: torch.sigmoid(x, out=out),
        'tanh': lambda: torch.tanh(x, out=out),
        'gelu': lambda: F.gelu(x),
        'sum': lambda: torch.sum(x),
        'sum_cols': lambda: torch.sum(xc, 0, out=col),
        'max': lambda: torch.max(x),
        'argmax_rows': lambda: torch.argmax(xr, 1, out=idx),
        'to_f16': lambda: half.copy_(x),
        'from_f16': lambda: out.copy_(half),
        'to_bf16': lambda: bf.copy_(x),
        'copy': lambda: out.copy_(x),
        # NCHW data written in NHWC order (what .contiguous(memory_format=channels_last) does)
        'nchw_to_nhwc': lambda: out.view(bn, h, w, c).copy_(x4.permute(0, 2, 3, 1)),
        'fill': lambda: out.fill_(0.5),
        'small_add': lambda: torch.add(s64, t64),
        'small_add_out': lambda: torch.add(s64, t64, out=o64),
        'small_exp_out': lambda: torch.exp(s64, out=o64),
        'small_sum': lambda: torch.sum(s64),
        'small_half': lambda: h64.copy_(s64),
    }
    seconds, wall = {}, {}
    for i in req['ids']:
        if i in cases:
            seconds[i], wall[i] = best_seconds(cases[i], req['minSeconds'])
    print(json.dumps({'seconds': seconds, 'wallSeconds': wall}))


if __name__ == '__main__':
    main()
