#!/usr/bin/env python3
"""`promkit score -i phq9` with no file and a terminal on standard input: it must say that it is
reading from the terminal (a forgotten file name would otherwise look like a hang), then score
what is typed once Ctrl-D ends the input.

Usage: score_terminal.py --bin PROMKIT --root SOURCE_DIR   (CTest: interactive.score_terminal)
"""
import os
import shutil
import sys
import tempfile

from ptyterm import Term, base_env, script_args  # noqa: E402


def main():
    a = script_args()
    tmp = tempfile.mkdtemp(prefix="promkit-score-tty-")
    t = Term([a.bin, "score", "-i", "phq9", "-q"], base_env(tmp, a.root))
    try:
        t.expect("reading a CSV export from the terminal")
        t.expect("end with Ctrl-D")
        t.send("client_id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9")
        t.send("C1,1,1,1,1,1,1,1,1,0")
        os.write(t.fd, b"\x04")  # Ctrl-D at the start of a line: end of input
        t.expect("C1,8,mild,complete,9,")
        rc = t.wait()
    except BaseException:
        t.kill()
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert rc == 0, f"exit status {rc}"
    print("interactive.score_terminal: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
