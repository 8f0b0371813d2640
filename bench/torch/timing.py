"""The benchmark's timing rules on the PyTorch side, as bench/timing.ts applies them to ours.

Warm up once, size a batch of calls to about a fifth of the time budget, then time five batches
and keep the fastest, in process CPU time per thread and in wall time.
"""
import time

import torch


def best_seconds(fn, min_seconds):
    """(cpu, wall): seconds per call, CPU time divided by torch's threads, and wall time."""
    fn()
    reps = 1
    while True:
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t >= min_seconds / 5 or reps >= 1 << 20:
            break
        reps *= 2
    threads = torch.get_num_threads()
    wall, cpu = float("inf"), float("inf")
    for _ in range(5):
        c = time.process_time()
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        wall = min(wall, (time.perf_counter() - t) / reps)
        cpu = min(cpu, (time.process_time() - c) / reps / threads)
    return cpu, wall
