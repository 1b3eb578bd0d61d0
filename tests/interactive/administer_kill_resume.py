#!/usr/bin/env python3
"""SIGKILL `promkit administer phq9` in a pseudo-terminal after the k-th answer (k = 1, 4, 9),
then resume and check that every answer given before the kill is in the result.

For each k: answer k items at the terminal, wait until the next screen appears (the answer is
then synced to the journal), kill -9, check `--unfinished` lists the administration with k
answers, then `--resume` (at the terminal for k = 4, piped for the others) answers the rest, and
the --out result must hold all ten answers and equal `promkit score` on them.

Usage: administer_kill_resume.py --bin PROMKIT --root SOURCE_DIR   (CTest: interactive.kill_resume)
"""
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

from ptyterm import ANSI, Term, base_env, script_args  # noqa: E402


ANSWERS = [1, 2, 3, 0, 1, 2, 3, 0, 1, 2]  # item 9 = 1 raises the suicide_risk flag


def run(argv, env, stdin_text=""):
    return subprocess.run(argv, env=env, input=stdin_text, capture_output=True, text=True,
                          timeout=60)


def one(k, a, tmp):
    env = base_env(tmp, a.root)
    out = os.path.join(tmp, f"k{k}.json")
    t = Term([a.bin, "administer", "phq9", "--out", out], env)
    try:
        for n in range(1, k + 1):
            t.expect(f"question {n} of 10")
            t.expect("Answer (")
            t.send(str(ANSWERS[n - 1]))
        # The next screen (or the flag banner after item 9) is drawn only after the answer was
        # appended to the journal and synced.
        t.expect("Press Enter to continue" if k == 9 else f"question {k + 1} of 10")
    finally:
        t.kill()  # SIGKILL: no handler runs
    listed = run([a.bin, "administer", "--unfinished"], env)
    assert listed.returncode == 0, listed.stderr
    lines = [l for l in listed.stdout.splitlines()[1:] if l.strip()]
    assert len(lines) == 1, listed.stdout
    assert re.search(rf"\bphq9\s+{k}\b", lines[0]), lines[0]
    if k == 9:
        assert "FLAG RAISED: phq9.suicide_risk" in lines[0], lines[0]
    rest = ANSWERS[k:]
    if k == 4:
        t = Term([a.bin, "administer", "--resume"], env)
        try:
            t.expect(f"{k} answers given")
            for n in range(k + 1, 11):
                t.expect(f"question {n} of 10")
                t.expect("Answer (")
                t.send(str(ANSWERS[n - 1]))
                if n == 9:
                    t.expect("Press Enter to continue")
                    t.send("")
            t.expect("Review")
            t.expect("Type c to confirm")
            t.send("c")
            rc = t.wait()
        except BaseException:
            t.kill()
            raise
        assert rc == 0, f"resume exit status {rc}"
    else:
        r = run([a.bin, "administer", "--resume"], env, "".join(f"{x}\n" for x in rest))
        assert r.returncode == 0, f"resume: {r.returncode} {r.stderr}"
        if k == 9:
            assert "URGENT: PHQ-9 (suicide_risk)" in r.stderr, "flag not shown again on resume"
    with open(out, encoding="utf-8") as f:
        record = json.load(f)
    codes = [item["code"] for item in record["results"][0]["items"]]
    assert codes == ANSWERS, f"k={k}: answers {codes}, expected {ANSWERS}"
    expected = json.loads(run([a.bin, "score", "-i", "phq9", "--answers",
                               ",".join(map(str, ANSWERS)), "--format", "json"], env).stdout)
    assert record["results"][0] == expected, f"k={k}: result differs from promkit score"
    assert [f["id"] for f in record["flags"]] == ["suicide_risk"]
    assert os.listdir(env["PROMKIT_STATE_DIR"]) == [], "journal left after completion"
    print(f"kill after answer {k}: resumed, all {len(ANSWERS)} answers present")


def main():
    a = script_args()
    for k in (1, 4, 9):
        tmp = tempfile.mkdtemp(prefix=f"promkit-kill{k}-")
        try:
            one(k, a, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("interactive.kill_resume: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
