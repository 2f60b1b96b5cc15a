"""Running ffmpeg or ffprobe: no shell, its own session, a watchdog that kills the whole process group
when the time is up, bounded reads of stdout and stderr, and death with the Python process that started it."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from .errors import MediaRejected, MediaToolError

_CHILD_ENV: Final = {"LC_ALL": "C"}  # drops FFREPORT, proxies and the like from the parent
_STDERR_KEEP: Final = 8 * 1024
_PR_SET_PDEATHSIG: Final = 1  # <linux/prctl.h>


@dataclass(frozen=True, slots=True)
class _Finished:
    returncode: int
    stdout: bytes
    stderr: str


class _OutputTooLarge(Exception):
    pass


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


class _Watchdog:
    def __init__(self, pid: int, timeout_s: float) -> None:
        self.fired = False
        self._pid = pid
        self._timer = threading.Timer(timeout_s, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        _kill_group(self._pid)

    def stop(self) -> None:
        self._timer.cancel()
        self._timer.join()


class _StderrCollector(threading.Thread):
    """Drains stderr so ffmpeg never blocks on it; keeps only the head and the tail."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self._fd = fd
        self._head = bytearray()
        self._tail = bytearray()
        self._dropped = False
        self.start()

    def run(self) -> None:
        while chunk := os.read(self._fd, 65536):
            room = max(0, _STDERR_KEEP - len(self._head))
            self._head += chunk[:room]
            self._tail += chunk[room:]
            if len(self._tail) > _STDERR_KEEP:
                self._dropped = True
                del self._tail[: len(self._tail) - _STDERR_KEEP]

    def text(self) -> str:
        gap = b"\n[...]\n" if self._dropped else b""
        return bytes(self._head + gap + self._tail).decode("utf-8", "replace")


def _load_prctl() -> Callable[..., int] | None:
    """libc's prctl(2), looked up once here in the parent: between fork and exec the child must not load
    anything. None where there is no such call (not Linux, or no libc symbols to find)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.restype = ctypes.c_int
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    return prctl


_PRCTL: Final = _load_prctl()


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel SIGKILL the child when the process that started it dies, so a
    worker killed mid-transcode leaves no orphan ffmpeg writing files. (The kernel watches the thread
    that forked; `_run` blocks that thread until the child is gone, so it cannot exit first.)"""
    prctl = _PRCTL
    if prctl is None:
        return None
    kill = int(signal.SIGKILL)

    def die_with_parent() -> None:  # runs in the child between fork and exec: keep it to these calls
        prctl(_PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect: nobody would signal
            os._exit(1)

    return die_with_parent


def _executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise MediaToolError(f"{name} is not installed (or not on PATH); the media pipeline needs it.")
    return found


def _run(
    argv: Sequence[str],
    *,
    timeout_s: float,
    timeout_message: str,
    stdout_limit: int,
    on_line: Callable[[str], None] | None = None,
) -> _Finished:
    command = [_executable(argv[0]), *argv[1:]]
    try:
        process = subprocess.Popen(  # noqa: S603 - an argv list we built; no shell anywhere
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a timeout can kill everything it started
            preexec_fn=_die_with_parent(os.getpid()),  # and it dies with us (Linux; None elsewhere)
            env=_CHILD_ENV,
            cwd="/",
        )
    except OSError as exc:
        raise MediaToolError(f"Could not start {argv[0]}: {exc}") from exc
    assert process.stdout is not None and process.stderr is not None
    watchdog = _Watchdog(process.pid, timeout_s)
    collector = _StderrCollector(process.stderr.fileno())
    try:
        stdout = _read_stdout(process.stdout.fileno(), stdout_limit, on_line)
    except BaseException:
        _kill_group(process.pid)
        raise
    finally:
        # Wait without reaping, so the group id cannot be reused while the watchdog may still fire.
        # (ChildProcessError only if someone set SIGCHLD to SIG_IGN and the kernel reaped it already.)
        with contextlib.suppress(ChildProcessError):
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        watchdog.stop()
        _kill_group(process.pid)  # anything the leader left behind
        process.wait()
        collector.join()
        process.stdout.close()
        process.stderr.close()
    if watchdog.fired:
        raise MediaRejected("timeout", timeout_message)
    return _Finished(process.returncode, stdout, collector.text())


def _read_stdout(fd: int, limit: int, on_line: Callable[[str], None] | None) -> bytes:
    collected = bytearray()
    total = 0
    while chunk := os.read(fd, 65536):
        total += len(chunk)
        if total > limit:
            raise _OutputTooLarge(limit)
        collected += chunk
        if on_line is not None:
            *lines, rest = collected.split(b"\n")
            for line in lines:
                on_line(line.decode("ascii", "replace"))
            collected = bytearray(rest)
    return bytes(collected)
