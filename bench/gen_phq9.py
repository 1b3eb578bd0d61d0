#!/usr/bin/env python3
"""Writes a synthetic PHQ-9 export for the batch benchmark: client id, date, phq9_1..phq9_9.

Deterministic (fixed seed). About 2 % of item cells are blank; every 50th client id is quoted
(as many exports do for text columns). Usage: gen_phq9.py ROWS OUT.csv
"""
import random
import sys


def main() -> None:
    rows = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(20261125)
    weights = [0.45, 0.30, 0.15, 0.10]  # answer codes 0..3
    codes = ["0", "1", "2", "3"]
    with open(out, "w", newline="") as f:
        f.write("client_id,date,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n")
        for i in range(rows):
            client = f"C{i // 4:07d}"
            if i % 50 == 0:
                client = f'"{client}"'
            day = 1 + (i * 7) % 28
            month = 1 + (i // 28) % 12
            cells = rng.choices(codes, weights, k=9)
            for k in range(9):
                if rng.random() < 0.02:
                    cells[k] = ""
            f.write(f"{client},2025-{month:02d}-{day:02d},{','.join(cells)}\n")


if __name__ == "__main__":
    main()
