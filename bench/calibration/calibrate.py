#!/usr/bin/env python3
"""Measures the calibration cases on a real GPU with PyTorch alone and writes predicted against measured time per op.

Reads MemWall's predictions (bench/calibration/predictions-<gpu>.json, written by predict.ts), runs each case's
snippet setup, then times its expression two ways:
  - GPU time: CUDA events around single calls, L2 flushed before each (like triton.testing.do_bench), median;
  - eager wall time per call: back-to-back calls in a loop, synchronized once, so launch and dispatch are included.
MemWall's `predictedGpuUs` (launch overhead taken out) is compared with the GPU time, `predictedUs` with the wall time.

Usage:
  python3 bench/calibration/calibrate.py --predictions bench/calibration/predictions-h200.json \
      --out bench/calibration/results-h200
  python3 bench/calibration/calibrate.py --predictions ... --check   # validate the file and snippets; no GPU needed
"""
import argparse
import ast
import json
import math
import statistics
import sys
import time

# The L2 of the largest GPU in MemWall's table is 126 MB (B200); a 256 MB buffer flushes any of them.
FLUSH_BYTES = 256 * 1024 * 1024


def load_predictions(path):
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if document.get("version") != 1 or not isinstance(document.get("cases"), list):
        raise SystemExit(f"{path}: not a MemWall predictions file (version 1 with a cases list)")
    for case in document["cases"]:
        for key in ("name", "group", "setup", "expr"):
            if key not in case:
                raise SystemExit(f"{path}: case {case.get('name', '?')} lacks {key!r}")
        # Both the setup and the expression must be valid Python before anything runs.
        ast.parse("\n".join(case["setup"]), mode="exec")
        ast.parse(case["expr"], mode="eval")
    return document


def gpu_time_us(torch, function, repetitions, warmup):
    """Median GPU time of one call, L2 flushed before each call, timed with CUDA events (do_bench-like)."""
    flush = torch.empty(FLUSH_BYTES, dtype=torch.int8, device="cuda")
    for _ in range(warmup):
        function()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(repetitions)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(repetitions)]
    for start, end in zip(starts, ends):
        flush.zero_()
        start.record()
        function()
        end.record()
    torch.cuda.synchronize()
    times = [start.elapsed_time(end) * 1000.0 for start, end in zip(starts, ends)]
    return statistics.median(times), min(times)


def wall_time_us(torch, function, repetitions):
    """Eager time per call including launch and dispatch: back-to-back calls, one synchronize."""
    torch.cuda.synchronize()
    begin = time.perf_counter()
    for _ in range(repetitions):
        function()
    torch.cuda.synchronize()
    return (time.perf_counter() - begin) / repetitions * 1e6


def measure_case(torch, functional, case, repetitions, warmup):
    namespace = {"torch": torch, "F": functional}
    torch.backends.cuda.matmul.allow_tf32 = False
    exec(compile("\n".join(case["setup"]), f"<{case['name']} setup>", "exec"), namespace)
    expression = compile(case["expr"], f"<{case['name']}>", "eval")

    def function():
        return eval(expression, namespace)

    with torch.no_grad():
        median_us, best_us = gpu_time_us(torch, function, repetitions, warmup)
        wall_us = wall_time_us(torch, function, repetitions)
    torch.backends.cuda.matmul.allow_tf32 = False
    return {"gpuUs": median_us, "gpuBestUs": best_us, "wallUs": wall_us}


def ratio(predicted, measured):
    if predicted is None or measured is None or measured <= 0:
        return None
    return predicted / measured


def markdown(document, rows, device_name):
    lines = [
        f"# Calibration on {device_name} (MemWall GPU id `{document['gpu']}`)",
        "",
        "Predicted GPU time excludes MemWall's launch overhead; wall time is eager back-to-back calls.",
        "",
        "| case | group | bound | predicted GPU µs | measured GPU µs | pred/meas | predicted µs (w/ launch) | measured wall µs | pred/meas |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        def fmt(value):
            return "—" if value is None else f"{value:.1f}"

        def fmt_ratio(value):
            return "—" if value is None else f"{value:.2f}"

        lines.append(
            f"| {row['name']} | {row['group']} | {row['bound']} | {fmt(row['predictedGpuUs'])} | {fmt(row.get('gpuUs'))} | "
            f"{fmt_ratio(row.get('gpuRatio'))} | {fmt(row['predictedUs'])} | {fmt(row.get('wallUs'))} | {fmt_ratio(row.get('wallRatio'))} |"
        )
    ratios = [row["gpuRatio"] for row in rows if row.get("gpuRatio")]
    if ratios:
        geometric_mean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        within = sum(1 for r in ratios if 0.5 <= r <= 2.0)
        lines += ["", f"GPU-time ratio predicted/measured: geometric mean {geometric_mean:.2f}, "
                      f"{within}/{len(ratios)} cases within 2×."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", required=True, help="predictions JSON written by predict.ts")
    parser.add_argument("--out", help="output path prefix (writes .json and .md); default: results-<gpu>")
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--check", action="store_true", help="validate predictions and snippets without a GPU")
    args = parser.parse_args(argv)

    document = load_predictions(args.predictions)
    cases = document["cases"]
    if args.only:
        wanted = set(args.only.split(","))
        cases = [case for case in cases if case["name"] in wanted]
    if args.check:
        print(f"{len(cases)} cases OK in {args.predictions}")
        return 0

    import torch  # imported late so that --check runs without PyTorch
    import torch.nn.functional as functional

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run with --check to validate only")
    device_name = torch.cuda.get_device_name(0)
    rows = []
    for case in cases:
        row = {key: case.get(key) for key in ("name", "group", "bound", "predictedUs", "predictedGpuUs", "flops", "bytes")}
        try:
            row.update(measure_case(torch, functional, case, args.repetitions, args.warmup))
        except Exception as error:  # a case PyTorch cannot run here (e.g. F.rms_norm before 2.4) is reported, not fatal
            row["error"] = f"{type(error).__name__}: {error}"
        row["gpuRatio"] = ratio(row.get("predictedGpuUs"), row.get("gpuUs"))
        row["wallRatio"] = ratio(row.get("predictedUs"), row.get("wallUs"))
        if row.get("gpuUs") and row.get("bytes"):
            row["achievedBandwidth"] = row["bytes"] / (row["gpuUs"] * 1e-6)
        if row.get("gpuUs") and row.get("flops"):
            row["achievedFlops"] = row["flops"] / (row["gpuUs"] * 1e-6)
        rows.append(row)
        print(f"{case['name']:28s} predicted {row['predictedGpuUs']} µs, measured {row.get('gpuUs', row.get('error'))}", flush=True)

    out = args.out or f"results-{document['gpu']}"
    result = {
        "version": 1,
        "gpu": document["gpu"],
        "device": device_name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "repetitions": args.repetitions,
        "rows": rows,
    }
    with open(f"{out}.json", "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    with open(f"{out}.md", "w", encoding="utf-8") as handle:
        handle.write(markdown(document, rows, device_name))
    print(f"wrote {out}.json and {out}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
