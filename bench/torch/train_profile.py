"""PyTorch's side of bench/train-profile.ts: where a training step's time goes, by op.

Reads {"model", "steps"} as JSON on stdin and prints {"stepMs", "entries": [{"category", "call",
"calls", "ms"}]}: the train section's step (train.py) run `steps` times under torch.profiler after
two warm-up steps, each op's self time per step (scaled to the CPU time per thread of an unprofiled
step, see below), grouped by op and input shapes and put in the same categories as the
TypeScript side. Ops run inside Optimizer.step count as
'optimizer' and inside zero_grad as 'zero grad / fill'. "stepMs" is the process CPU time per
thread of a step without the profiler. Threads come from OMP_NUM_THREADS, set by the caller.
"""
import json
import sys
import time

import torch
from torch.profiler import ProfilerActivity, profile

from train import BUILD, SHAPES, make_step

CATEGORIES = [
    (('aten::convolution_backward',), 'conv backward'),
    (('aten::mkldnn_convolution', 'aten::_slow_conv2d_forward', 'aten::thnn_conv2d', 'aten::_conv_depthwise2d',
      'aten::slow_conv_dilated2d', 'aten::_nnpack_spatial_convolution'), 'conv forward'),
    (('aten::native_batch_norm', 'aten::native_batch_norm_backward'), 'batch norm'),
    (('aten::max_pool2d_with_indices', 'aten::max_pool2d_with_indices_backward', 'aten::avg_pool2d', 'aten::avg_pool2d_backward',
      'aten::_adaptive_avg_pool2d', 'aten::_adaptive_avg_pool2d_backward'), 'pooling'),
    (('aten::avg_pool3d', 'aten::avg_pool3d_backward', 'aten::constant_pad_nd'), 'local response norm'),
    (('aten::relu', 'aten::relu_', 'aten::clamp_min', 'aten::clamp_min_', 'aten::threshold_backward'), 'relu'),
    (('aten::mm', 'aten::addmm', 'aten::bmm'), 'linear (gemm)'),
    (('aten::_log_softmax', 'aten::_log_softmax_backward_data', 'aten::nll_loss_forward', 'aten::nll_loss_backward'), 'softmax / loss'),
    (('aten::add', 'aten::add_', 'aten::mul', 'aten::mul_', 'aten::div', 'aten::div_', 'aten::pow', 'aten::sub', 'aten::bernoulli_',
      'aten::native_dropout', 'aten::native_dropout_backward'), 'elementwise'),
]


def category(name, shapes, scope):
    if scope.startswith('Optimizer.step'):
        return 'optimizer'
    if scope.startswith('Optimizer.zero_grad') or name in ('aten::fill_', 'aten::zero_'):
        return 'zero grad / fill'
    for names, cat in CATEGORIES:
        if name in names:
            if cat.startswith('conv'):
                # weight [k, 1, r, s] on an input of k > 1 channels: depthwise
                x = shapes[1] if cat == 'conv backward' else shapes[0]
                w = shapes[2] if cat == 'conv backward' else shapes[1]
                if len(w) == 4 and w[1] == 1 and len(x) == 4 and x[1] > 1:
                    return 'depthwise ' + cat
            return cat
    return 'other (copies, casts, reductions)'


def main():
    req = json.load(sys.stdin)
    model_name, steps = req['model'], req['steps']
    torch.manual_seed(0)
    model = BUILD[model_name]()
    model.train()
    step = make_step(model, model_name, 64)
    for _ in range(2):
        step()
    threads = torch.get_num_threads()
    c = time.process_time()
    for _ in range(steps):
        step()
    step_ms = (time.process_time() - c) * 1e3 / steps / threads
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        w = time.perf_counter()
        for _ in range(steps):
            step()
        wall_ms = (time.perf_counter() - w) * 1e3 / steps
    # The profiler times ops by the clock on a shared machine (descheduled time included): scale
    # them by the step's CPU time over its wall time under the profiler, so that they are shares
    # of the CPU time per thread of an unprofiled step, comparable with the TypeScript side.
    scale = step_ms / wall_ms
    agg = {}
    for e in prof.events():
        top = e
        while top.cpu_parent is not None:
            top = top.cpu_parent
        scope = top.name if top is not e else ''
        shapes = [list(s) for s in (e.input_shapes or [])]
        cat = category(e.name, shapes, scope)
        # record_function scopes themselves (Optimizer.step#Adam.step, ...) have no self time of interest
        if e.name.startswith('Optimizer.') or e.name.startswith('autograd::') or e.name.startswith('ProfilerStep'):
            cat = 'other (copies, casts, reductions)' if e.name.startswith('autograd::') else cat
        key = (cat, f"{e.name} {shapes if shapes and any(shapes) else ''}".strip())
        a = agg.setdefault(key, [0, 0.0])
        a[0] += 1
        a[1] += e.self_cpu_time_total / 1e3
    entries = [{'category': k[0], 'call': k[1], 'calls': v[0] / steps, 'ms': v[1] * scale / steps} for k, v in agg.items()]
    print(json.dumps({'stepMs': step_ms, 'entries': entries}))


if __name__ == '__main__':
    main()
