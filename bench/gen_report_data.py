#!/usr/bin/env python3
"""Synthetic raw export for the trend-report benchmark: N clients x K administrations of PHQ-9
and GAD-7 (item answers), fortnightly from a random start in 2024, with a gentle downward trend
and ~2 % blank items. Deterministic (seeded). Usage: gen_report_data.py CLIENTS VISITS > out.csv"""
import random
import sys
from datetime import date, timedelta


def main():
    clients = int(sys.argv[1])
    visits = int(sys.argv[2])
    rng = random.Random(20240101)
    out = sys.stdout
    out.write("client_id,visit_date," + ",".join(f"phq9_{i}" for i in range(1, 10)) + "," +
              ",".join(f"gad7_{i}" for i in range(1, 8)) + "\n")
    for c in range(clients):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 180))
        severity = rng.uniform(0.5, 2.6)
        slope = rng.uniform(-0.25, 0.05)
        for v in range(visits):
            level = max(0.0, min(3.0, severity + slope * v))
            cells = []
            for _ in range(16):
                if rng.random() < 0.02:
                    cells.append("")
                else:
                    cells.append(str(max(0, min(3, int(round(rng.gauss(level, 0.8)))))))
            d = start + timedelta(days=14 * v)
            out.write(f"C{c:06d},{d.isoformat()},{','.join(cells)}\n")


if __name__ == "__main__":
    main()
