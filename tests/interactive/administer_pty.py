#!/usr/bin/env python3
"""Drive `promkit administer phq9` in a pseudo-terminal, as a clinician would.

Answers, an invalid key, going back, a flagged item 9 (safety message and crisis contacts must
appear), the review, a change from the review, confirmation; then checks that the --out result
equals `promkit score --format json` on the same answers and that the journal is gone.

Usage: administer_pty.py --bin PROMKIT --root SOURCE_DIR   (CTest: interactive.administer_phq9)
Every read has a timeout, so the test cannot hang (CI runs without a terminal on stdin).
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


def main():
    a = script_args()
    tmp = tempfile.mkdtemp(prefix="promkit-pty-")
    out = os.path.join(tmp, "phq9.json")
    t = Term([a.bin, "administer", "phq9", "--client", "T1", "--out", out], base_env(tmp, a.root))
    try:
        t.expect("Note: the crisis contacts are the unedited default")
        t.expect("Over the last 2 weeks")
        t.expect("question 1 of 10")
        t.expect("Little interest or pleasure")
        t.expect("Answer (")
        t.send("x")                                   # an invalid key: re-asked with a reason
        t.expect("That is not one of the answers")
        t.send("1")                                   # item 1 = 1
        t.expect("question 2 of 10")
        t.send("2")                                   # item 2 = 2 ...
        t.expect("question 3 of 10")
        t.send("b")                                   # ... back to item 2
        t.expect("question 2 of 10")
        t.expect("Current answer: 2")
        t.send("1")                                   # item 2 changed to 1
        t.expect("question 3 of 10")
        t.send("2")                                   # item 3 = 2 (changed in the review below)
        for n in range(4, 9):
            t.expect(f"question {n} of 10")
            t.send("0")
        t.expect("question 9 of 10")
        t.expect("better off dead")
        t.send("1")                                   # item 9 endorsed: the safety message now
        t.expect("URGENT: PHQ-9 (suicide_risk)")
        t.expect("same-day suicide-risk assessment")
        t.expect("emergency number now")
        t.expect("Clinic duty clinician")
        t.expect("Press Enter to continue")
        t.send("")
        t.expect("question 10 of 10")
        t.send("1")
        t.expect("Review")
        t.expect("Type c to confirm")
        t.send("3")                                   # change item 3 from the review
        t.expect("question 3 of 10")
        t.expect("Current answer: 2")
        t.send("0")
        t.expect("Review")
        t.expect("Type c to confirm")
        t.send("c")
        t.expect("URGENT (suicide_risk)")
        t.expect("Total score")
        rc = t.wait()
        assert rc == 0, f"exit status {rc}"
    except BaseException:
        t.kill()
        raise
    answers = "1,1,0,0,0,0,0,0,1,1"
    with open(out, encoding="utf-8") as f:
        record = json.load(f)
    expected = json.loads(subprocess.run(
        [a.bin, "score", "-i", "phq9", "--answers", answers, "--format", "json"],
        check=True, capture_output=True, timeout=30, stdin=subprocess.DEVNULL).stdout)
    assert record["results"][0] == expected, "the --out result differs from promkit score"
    assert [f["id"] for f in record["flags"]] == ["suicide_risk"], record["flags"]
    assert record["administration"]["client"] == "T1"
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    left = os.listdir(os.path.join(tmp, "journals"))
    assert left == [], f"journal not removed: {left}"
    shutil.rmtree(tmp, ignore_errors=True)
    print("interactive.administer_phq9: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
