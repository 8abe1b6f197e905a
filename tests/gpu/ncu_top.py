#!/usr/bin/env python3
"""Where a kernel's instructions and stalls go, from ncu's SASS source page as CSV (on the GPU machine):
  ncu --kernel-name regex:NAME --launch-skip S --launch-count 1 --section SourceCounters --section WarpStateStats \
      --page source --print-source sass --csv APP ARGS > page.csv
  python3 tests/gpu/ncu_top.py page.csv [TOP]
Prints the executed instruction total, the straight-line runs (consecutive instructions executed equally often) that
execute the most instructions, and the instructions with the most stall samples."""
import csv
import sys


def number(text):
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return 0.0


def main():
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25
    with open(path, newline="") as f:
        lines = [line for line in f if not line.startswith("==")]
    rows = list(csv.reader(lines))
    header = next(i for i, r in enumerate(rows) if any("Address" in c for c in r))
    names = rows[header]
    col = lambda key: next(i for i, n in enumerate(names) if key in n)
    addr, src, execd = col("Address"), col("Source"), col("Instructions Executed")
    stall = next((i for i, n in enumerate(names) if n.startswith("Warp Stall Sampling (All")), None)
    body = [r for r in rows[header + 1:] if len(r) > execd and r[addr].strip()]
    total = sum(number(r[execd]) for r in body)
    print(f"instructions executed (warp level): {total:,.0f} over {len(body)} SASS lines")
    runs, start = [], 0
    for i in range(1, len(body) + 1):
        if i == len(body) or number(body[i][execd]) != number(body[start][execd]):
            runs.append((number(body[start][execd]) * (i - start), start, i))
            start = i
    print(f"top straight-line runs (share of executed instructions, count per instruction, length, first lines):")
    for weight, s, e in sorted(runs, reverse=True)[:top]:
        if weight == 0:
            break
        text = " | ".join(body[k][src].strip() for k in range(s, min(e, s + 3)))
        print(f"  {100 * weight / total:5.1f}%  x{number(body[s][execd]):>10,.0f}  len {e - s:4d}  @{body[s][addr]}  {text[:150]}")
    if stall is not None:
        samples = sum(number(r[stall]) for r in body)
        print(f"top stall-sampled instructions (of {samples:,.0f} samples):")
        for r in sorted(body, key=lambda r: -number(r[stall]))[:top]:
            print(f"  {100 * number(r[stall]) / max(samples, 1):5.1f}%  @{r[addr]}  {r[src].strip()[:120]}")


if __name__ == "__main__":
    main()
