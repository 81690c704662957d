#!/usr/bin/env python3
"""Quantiles of Prometheus histograms between two scrapes of /metrics.

usage: histogram_quantiles.py BEFORE AFTER NAME...

For each histogram NAME (without _bucket), prints one line
  NAME n=<observations> p50=<ms> p99=<ms> max<=<ms>
where each quantile is the upper bound of the bucket it falls in (so an
upper estimate, in milliseconds), counted over the observations made
between the two scrapes. A histogram with labels counts all its series
together (the webhook route dominates the scrapes the ingest run makes).
"""
import re
import sys

BUCKET = re.compile(r'^(\w+)_bucket\{(?:.*,)?le="([^"]+)"\} (\S+)$')


def buckets(path: str) -> dict:
    out: dict = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = BUCKET.match(line.strip())
            if m:
                le = float("inf") if m.group(2) == "+Inf" else float(m.group(2))
                series = out.setdefault(m.group(1), {})
                series[le] = series.get(le, 0.0) + float(m.group(3))
    return out


def main() -> None:
    before, after = buckets(sys.argv[1]), buckets(sys.argv[2])
    for name in sys.argv[3:]:
        start = before.get(name, {})
        counts = sorted((le, c - start.get(le, 0.0)) for le, c in after.get(name, {}).items())
        total = counts[-1][1] if counts else 0.0

        def quantile(p: float) -> str:
            for le, c in counts:
                if c >= p * total:
                    return "inf" if le == float("inf") else f"{le * 1000:g}"
            return "nan"

        if total <= 0:
            print(f"{name} n=0 p50=nan p99=nan max<=nan")
        else:
            print(f"{name} n={int(total)} p50={quantile(0.5)} p99={quantile(0.99)} "
                  f"max<={quantile(1.0)}")


if __name__ == "__main__":
    main()
