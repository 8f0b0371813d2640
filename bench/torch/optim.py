"""PyTorch timings for the optim section of the benchmark (bench/optim.ts).

Reads {"shapes": [...], "cases": [...], "minSeconds": s} as JSON on stdin and prints
{"ms": {"<case id>/<variant>": milliseconds}, "wallMs": {...}, "notes": [...]}: optimizer.step()
over parameters of the given shapes (gradients set once), the fastest of five batches of calls in
process CPU time per thread ("ms") and wall time ("wallMs"), as bench/timing.ts on the TypeScript
side. Variants: 'single' (foreach=False, the 1.13 default), 'foreach' (foreach=True) and 'fused'
(fused=True, where this PyTorch supports it on the CPU; otherwise a note says why not).
Threads come from OMP_NUM_THREADS, set by the caller.
"""
import json
import sys
import warnings

import torch

from nn_kernels import timed  # the timing rules of every PyTorch column

warnings.simplefilter('ignore')
OPTIMIZERS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW, 'RMSprop': torch.optim.RMSprop}


def main():
    req = json.load(sys.stdin)
    gen = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=gen).requires_grad_() for s in req['shapes']]
    for p in params:
        p.grad = torch.randn(p.shape, generator=gen)
    ms, wall, notes = {}, {}, []
    for c in req['cases']:
        for variant in ('single', 'foreach', 'fused'):
            kwargs = dict(c['torchOptions'])
            if variant == 'fused':
                kwargs['fused'] = True
            else:
                kwargs['foreach'] = variant == 'foreach'
            try:
                opt = OPTIMIZERS[c['optimizer']](params, **kwargs)
                key = f"{c['id']}/{variant}"
                ms[key], wall[key] = timed(opt.step, req['minSeconds'])
            except (RuntimeError, TypeError, ValueError) as e:
                notes.append(f"torch {torch.__version__} {c['optimizer']}({variant}): {str(e).splitlines()[0]}")
    print(json.dumps({'ms': ms, 'wallMs': wall, 'notes': notes}))


if __name__ == '__main__':
    main()
