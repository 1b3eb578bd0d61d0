"""Shared by the interactive tests: a pseudo-terminal running promkit, read with timeouts."""
import argparse
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def script_args():
    """The arguments every interactive test takes: --bin PROMKIT --root SOURCE_DIR."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--root", required=True)
    return ap.parse_args()


class Term:
    """A child process on a pty: send lines, wait for text on its screen (ANSI stripped)."""

    def __init__(self, argv, env, cols=100, rows=30):
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.raw = ""
        self.mark = 0
        self.status = None

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            raise EOFError
        self.raw += data.decode("utf-8", "replace")
        return True

    def text(self):
        return ANSI.sub("", self.raw).replace("\r", "")

    def expect(self, needle, timeout=10.0):
        deadline = time.time() + timeout
        while True:
            t = self.text()
            i = t.find(needle, self.mark)
            if i >= 0:
                self.mark = i + len(needle)
                return
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {needle!r}; screen tail:\n{t[-1500:]}")
            try:
                self._read(min(left, 0.5))
            except EOFError:
                raise AssertionError(f"process ended before {needle!r}; screen tail:\n{t[-1500:]}")

    def send(self, line):
        os.write(self.fd, (line + "\r").encode())

    def wait(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self._read(0.2)
            except EOFError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                return os.waitstatus_to_exitcode(status)
        self.kill()
        raise AssertionError("process did not exit in time")

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def base_env(tmp, root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=tmp, PROMKIT_STATE_DIR=os.path.join(tmp, "journals"),
               PROMKIT_CONFIG=os.path.join(root, "config", "crisis.toml"), TERM="xterm",
               LC_ALL="C.UTF-8")
    env.pop("NO_COLOR", None)
    env.pop("PROMKIT_PATH", None)
    return env
