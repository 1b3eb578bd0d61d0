#!/usr/bin/env python3
"""The benchmark job done with pandas: PHQ-9 total with the NHS proration rule (up to 2 missing
items replaced by the mean of the answered ones), rounded half up, and the Kroenke 2001 band.
Usage: pandas_phq9.py IN.csv OUT.csv"""
import sys

import numpy as np
import pandas as pd

items = [f"phq9_{i}" for i in range(1, 10)]
df = pd.read_csv(sys.argv[1], dtype={"client_id": str, "date": str})
answered = df[items].notna().sum(axis=1)
raw = df[items].sum(axis=1) * 9 / answered
total = np.floor(raw + 0.5)  # half up; Python's round() would round half to even
total = total.where(answered >= 7)
bands = pd.cut(total, bins=[-1, 4, 9, 14, 19, 27],
               labels=["minimal", "mild", "moderate", "moderately_severe", "severe"])
out = pd.DataFrame({"client_id": df["client_id"], "date": df["date"],
                    "total": total.astype("Int64"), "band": bands})
out.to_csv(sys.argv[2], index=False)
