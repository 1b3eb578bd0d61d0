#!/usr/bin/env python3
"""Writes examples/clinic_export.csv: a synthetic clinic export for `promkit score` (batch).

Entirely made up (no real person's data): about 300 clients of an outpatient addiction and
mental-health service, each seen 2 to 6 times, with the PHQ-9, GAD-7 and AUDIT-C side by side in
one row per visit, as a REDCap "export records" download would give them (one row per event,
redcap_event_name kept).

What makes it realistic (and what the README example shows promkit handling):
  * answers drift down over the visits for most clients (treatment response); some do not change;
  * about 2% of item cells are blank (prorated or incomplete scores);
  * one site exported option labels instead of codes ("Several days", "Monthly or less");
  * a handful of bad values ("7" on a 0-3 item, "sometimes"): those rows are invalid;
  * GAD-7 was not given at a few visits (all its cells blank: status skipped);
  * PHQ-9 item 9 is endorsed at a few percent of visits (urgent flag, listed by --alerts);
  * AUDIT-C items 2-3 are blank when item 1 is "Never" (REDCap branching; promkit's skip logic);
  * a free-text notes column with commas, double quotes and line breaks in a few rows.

Deterministic: the same file on every run (fixed seed, Python's own random module, stdlib only).
Run from anywhere:  python3 examples/gen_clinic_export.py
"""

import csv
import datetime
import os
import random

SEED = 20240611
N_CLIENTS = 300
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clinic_export.csv")

PHQ_LABELS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
PHQ10_LABELS = ["Not difficult at all", "Somewhat difficult", "Very difficult",
                "Extremely difficult"]
AUDITC_LABELS = [
    ["Never", "Monthly or less", "2 to 4 times a month", "2 to 3 times a week",
     "4 or more times a week"],
    ["1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more"],
    ["Never", "Less than monthly", "Monthly", "Weekly", "Daily or almost daily"],
]
# How much each item runs above or below the client's overall level.
PHQ_OFFSET = [0.1, 0.2, 0.4, 0.5, 0.0, -0.1, -0.1, -0.5, 0.0]  # item 9: see below
GAD_OFFSET = [0.3, 0.1, 0.3, 0.0, -0.4, 0.2, -0.3]

NOTES = [
    'Client reports "good week", sleeping better',
    "Missed last appointment, rescheduled; transport issues",
    "Discussed relapse plan.\nWill bring partner next time",
    'Said PHQ item 9 was "a bad moment, not now"; safety plan reviewed',
    "Started sertraline 50mg, review in 4 weeks",
    "=HYPERLINK(\"http://example.invalid\")",
    "Changed key worker, first session with new team",
    "Drinking less, 2-3 times a week, mostly weekends",
]

HEADER = (["client_id", "visit_date", "redcap_event_name"] +
          [f"phq9_{i}" for i in range(1, 11)] + [f"gad7_{i}" for i in range(1, 8)] +
          [f"auditc_{i}" for i in range(1, 4)] + ["sex", "notes"])


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


def answer(rng, level, offset, top):
    return clamp(int(round(rng.gauss(level + offset, 0.6))), 0, top)


def main():
    rng = random.Random(SEED)
    rows = []
    start = datetime.date(2024, 1, 8)
    for c in range(1, N_CLIENTS + 1):
        client = f"C{c:04d}"
        sex = "female" if rng.random() < 0.48 else "male"
        if rng.random() < 0.01:
            sex = ""  # not recorded: the AUDIT-C band needs it
        visits = rng.randint(2, 6)
        base = clamp(rng.gauss(1.5, 0.6), 0.0, 2.8)  # PHQ/GAD level on the 0-3 scale at intake
        responder = rng.random() < 0.65
        slope = rng.uniform(0.15, 0.4) if responder else rng.uniform(-0.05, 0.08)
        anxiety = clamp(base + rng.gauss(0, 0.4), 0.0, 2.9)
        drinking = rng.choice([0, 0, 1, 1, 1, 2, 2, 3])  # usual AUDIT-C item 1 at intake
        heavy = rng.random() < 0.35
        labels_site = rng.random() < 0.12  # this client's site exports labels
        day = start + datetime.timedelta(days=rng.randint(0, 150))
        for v in range(visits):
            level = clamp(base - slope * v + rng.gauss(0, 0.15), 0.0, 3.0)
            alevel = clamp(anxiety - slope * 0.9 * v + rng.gauss(0, 0.15), 0.0, 3.0)
            phq = [answer(rng, level, PHQ_OFFSET[i], 3) for i in range(9)]
            # Item 9 (thoughts of self-harm): endorsed at a few percent of visits, more often
            # when the client is more depressed.
            phq[8] = 0
            if rng.random() < 0.01 + 0.02 * level:
                phq[8] = 1 if rng.random() < 0.75 else 2
            phq10 = "" if sum(phq) == 0 else clamp(int(round(level + rng.gauss(0, 0.5))), 0, 3)
            gad = [answer(rng, alevel, GAD_OFFSET[i], 3) for i in range(7)]
            a1 = clamp(drinking - (v if responder and v < 3 else 0) // 2, 0, 4)
            if a1 > 0:
                a2 = clamp(int(round(rng.gauss(1.5 if heavy else 0.4, 0.7))), 0, 4)
                a3 = clamp(int(round(rng.gauss(1.8 if heavy else 0.6, 0.7))), 0, 4)
                audit = [a1, a2, a3]
            else:
                audit = [0, "", ""]
            event = "intake_arm_1" if v == 0 else f"visit_{v + 1}_arm_1"
            cells = {}
            for i in range(9):
                cells[f"phq9_{i + 1}"] = phq[i]
            cells["phq9_10"] = phq10
            for i in range(7):
                cells[f"gad7_{i + 1}"] = gad[i]
            for i in range(3):
                cells[f"auditc_{i + 1}"] = audit[i]
            if labels_site:
                for i in range(9):
                    cells[f"phq9_{i + 1}"] = PHQ_LABELS[phq[i]]
                if phq10 != "":
                    cells["phq9_10"] = PHQ10_LABELS[phq10]
                for i in range(7):
                    cells[f"gad7_{i + 1}"] = PHQ_LABELS[gad[i]]
                for i in range(3):
                    if audit[i] != "":
                        cells[f"auditc_{i + 1}"] = AUDITC_LABELS[i][audit[i]]
            # ~2% of the item cells left blank
            for key in list(cells):
                if key.startswith(("phq9_", "gad7_")) and key != "phq9_10":
                    if rng.random() < 0.02:
                        cells[key] = ""
            if rng.random() < 0.03:  # GAD-7 not given at this visit
                for i in range(7):
                    cells[f"gad7_{i + 1}"] = ""
            note = rng.choice(NOTES) if rng.random() < 0.04 else ""
            rows.append([client, day.isoformat(), event] + [cells[h] for h in HEADER[3:23]] +
                        [sex, note])
            day += datetime.timedelta(days=rng.choice([14, 14, 21, 28, 28, 35]))
    # A few bad values, as a hand-keyed export has them.
    bad = [("phq9_3", "7"), ("gad7_2", "sometimes"), ("phq9_6", "4"), ("auditc_1", "weekly"),
           ("gad7_5", "2.5"), ("phq9_1", "Several  Days ")]  # the last one is fine: a label
    for k, (col, value) in enumerate(bad):
        r = rows[97 + 211 * k]
        r[HEADER.index(col)] = value
    # Codes written as 2.0 by a statistics package in a few rows (still valid codes).
    for k in range(5):
        r = rows[40 + 173 * k]
        for i in range(3, 12):
            if isinstance(r[i], int):
                r[i] = f"{r[i]}.0"
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)


if __name__ == "__main__":
    main()
