"""PyTorch timings for the optimizer benchmark (bench/optim.ts starts this script).

Reads {"shapes": [...], "cases": [...], "minSeconds": s} as JSON on stdin and prints
{"ms": {"<case id>/<variant>": milliseconds}, "notes": [...]} as JSON: the median over five batches
of optimizer.step() calls, timed as on the TypeScript side. Variants: 'single' (foreach=False, the
1.13 default), 'foreach' (foreach=True) and 'fused' (fused=True, where this PyTorch supports it on
the CPU). Threads come from OMP_NUM_THREADS, set by the caller.
"""
import json
import sys
import warnings

import torch

from nn_kernels_torch import timed  # the same timing rules as the nn benchmark

warnings.simplefilter('ignore')
OPTIMIZERS = {'SGD': torch.optim.SGD, 'Adam': torch.optim.Adam, 'AdamW': torch.optim.AdamW, 'RMSprop': torch.optim.RMSprop}


def main():
    req = json.load(sys.stdin)
    gen = torch.Generator().manual_seed(0)
    params = [torch.randn(s, generator=gen).requires_grad_() for s in req['shapes']]
    for p in params:
        p.grad = torch.randn(p.shape, generator=gen)
    ms, notes = {}, []
    for c in req['cases']:
        for variant in ('single', 'foreach', 'fused'):
            kwargs = dict(c['torchOptions'])
            if variant == 'fused':
                kwargs['fused'] = True
            else:
                kwargs['foreach'] = variant == 'foreach'
            try:
                opt = OPTIMIZERS[c['optimizer']](params, **kwargs)
                ms[f"{c['id']}/{variant}"] = timed(opt.step, req['minSeconds'])
            except (RuntimeError, TypeError, ValueError) as e:
                notes.append(f"torch {torch.__version__} {c['optimizer']}({variant}): {str(e).splitlines()[0]}")
    print(json.dumps({'ms': ms, 'notes': notes}))


if __name__ == '__main__':
    main()
