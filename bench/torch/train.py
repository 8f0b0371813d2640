"""PyTorch training throughput for the train section of the benchmark (bench/train.ts).

Reads {"model", "batch", "warmup", "minSteps", "maxSteps", "minSeconds"} as JSON on stdin and
prints {"steps", "cpuMs", "wallMs", "spread", "maxRssMiB", "baseRssMiB", "firstLoss", "lastLoss"}:
the same step as the TypeScript side (bench/train-child.ts): batch 64 of random images, the model
from zoo_models.py (the specification) in training mode, cross entropy (GoogLeNet: main + 0.3 x
the two auxiliary losses), backward, Adam(lr=1e-3).step(), zero_grad, loss.item(). Each step is
timed on its own in process CPU time per thread and wall time; the median step is reported.
Warm-up steps are not timed. Threads come from OMP_NUM_THREADS, set by the caller.
"""
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_models  # noqa: E402

SHAPES = {'lenet5': (1, 28, 28), 'alexnet': (3, 32, 32), 'vgg16': (3, 32, 32), 'resnet18': (3, 32, 32),
          'mobilenetv1': (3, 32, 32), 'googlenet': (3, 32, 32)}
BUILD = {'lenet5': zoo_models.lenet5, 'alexnet': zoo_models.alexnet, 'vgg16': zoo_models.vgg16,
         'resnet18': zoo_models.resnet18, 'mobilenetv1': zoo_models.mobilenetv1, 'googlenet': zoo_models.GoogLeNet}


def rss_mib():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def peak_rss_mib():
    # VmHWM, which exec resets; ru_maxrss keeps the spawning process's peak across exec
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values):
    s = sorted(values)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def make_step(model, name, n):
    """One training step on a fixed batch: forward, loss, backward, Adam step, zero_grad; returns the loss."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(n, *SHAPES[name])
    target = torch.arange(n) % 10

    def step():
        out = model(x)
        if isinstance(out, tuple):
            loss = F.cross_entropy(out[0], target) + 0.3 * (F.cross_entropy(out[1], target) + F.cross_entropy(out[2], target))
        else:
            loss = F.cross_entropy(out, target)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=False)
        return loss.item()

    return step


def main():
    req = json.load(sys.stdin)
    base = rss_mib()
    torch.manual_seed(0)
    model = BUILD[req['model']]()
    model.train()
    step = make_step(model, req['model'], req['batch'])
    threads = torch.get_num_threads()

    losses = [step() for _ in range(req['warmup'])]
    cpu, wall = [], []
    started = time.perf_counter()
    while len(wall) < req['maxSteps'] and (len(wall) < req['minSteps'] or time.perf_counter() - started < req['minSeconds']):
        c, w = time.process_time(), time.perf_counter()
        losses.append(step())
        cpu.append((time.process_time() - c) * 1e3 / threads)
        wall.append((time.perf_counter() - w) * 1e3)
    m = median(cpu)
    print(json.dumps({
        'steps': len(cpu), 'cpuMs': m, 'wallMs': median(wall), 'spread': median([abs(v - m) for v in cpu]) / m,
        'maxRssMiB': peak_rss_mib(), 'baseRssMiB': base,
        'firstLoss': losses[0], 'lastLoss': losses[-1],
    }))


if __name__ == '__main__':
    main()
