"""PyTorch timings for the sgemm and conv benchmark sections (bench/sgemm.ts and bench/conv.ts).

Reads {"gemm": [...], "conv": [...], "minSeconds": s} as JSON on stdin and prints
{"ms": {"<case id>": milliseconds}, "wallMs": {...}}: the fastest of five batches of calls, in
process CPU time per thread ("ms") and wall time ("wallMs"), the same rules as the TypeScript
side (bench/timing.ts). For a conv case id, "<id>" is forward + input gradient + weight gradient and
"<id>/fwd" the forward alone. Threads come from OMP_NUM_THREADS, set by the caller.
"""
import json
import sys

import torch
import torch.nn.functional as F

from timing import best_seconds


def timed(fn, min_seconds):
    cpu, wall = best_seconds(fn, min_seconds)
    return cpu * 1e3, wall * 1e3


def gemm_fn(c):
    a = torch.rand(c["m"], c["k"]) * 2 - 1
    if c.get("transB"):
        b = torch.rand(c["n"], c["k"]) * 2 - 1
        out = torch.empty(c["m"], c["n"])
        return lambda: torch.mm(a, b.t(), out=out)
    b = torch.rand(c["k"], c["n"]) * 2 - 1
    out = torch.empty(c["m"], c["n"])
    return lambda: torch.mm(a, b, out=out)


def conv_fns(c):
    x = (torch.rand(c["n"], c["c"], c["h"], c["w"]) * 2 - 1).requires_grad_(True)
    w = (torch.rand(c["k"], c["c"] // c["groups"], c["r"], c["s"]) * 0.2 - 0.1).requires_grad_(True)
    kw = dict(stride=c["stride"], padding=c["pad"], groups=c["groups"])
    with torch.no_grad():
        dy = torch.rand_like(F.conv2d(x, w, None, **kw)) * 2 - 1

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, None, **kw)

    def train_step():
        y = F.conv2d(x, w, None, **kw)
        torch.autograd.grad(y, (x, w), dy)

    return forward, train_step


def main():
    req = json.load(sys.stdin)
    min_seconds = req.get("minSeconds", 0.4)
    ms, wall = {}, {}

    def record(key, fn):
        ms[key], wall[key] = timed(fn, min_seconds)

    with torch.no_grad():
        for c in req.get("gemm", []):
            record(c["id"], gemm_fn(c))
    for c in req.get("conv", []):
        forward, train_step = conv_fns(c)
        record(c["id"] + "/fwd", forward)
        record(c["id"], train_step)
    json.dump({"ms": ms, "wallMs": wall, "torch": torch.__version__, "threads": torch.get_num_threads()}, sys.stdout)


if __name__ == "__main__":
    main()
