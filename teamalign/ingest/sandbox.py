"""Parse an untrusted file in a child process, with a memory and a time limit.

A file may be built to exhaust a reader (a workbook that asks for 512 GB, a ZIP bomb, a
pathological CSV) or may simply be too large for the machine. Parsed here, the worst it
can do is fail its own import with a clear message: the web server, the worker and the
other imports go on.

How it works
------------
* The child comes from a ``multiprocessing`` *fork server*: a clean Python process,
  started once per parent process, that has imported Polars, the readers and the
  importers (:func:`preload`) but never touched a database connection or Polars' thread
  pool. Each parse forks a fresh child from it (tens of milliseconds, where a new
  interpreter importing Polars takes half a second) and the child parses exactly one file.
* The child limits its address space (``RLIMIT_AS``) to ``memory_mb``: an allocation past
  it fails, in Python (``MemoryError``) or in Rust (the process aborts), and the parent
  reports the limit. The parent kills a child that runs past ``seconds``.
* Progress and other callbacks the parser calls are sent to the parent as they happen; a
  frame passed to a callback travels like the result's, so a parser can hand its output
  over in batches while it reads.
* The result comes back by value, except Polars frames, which the child writes as
  uncompressed Parquet files in a scratch folder and the parent reads back (no pickling;
  about a second of CPU, both sides together, for a million tickets); the folder is removed
  afterwards.
* An :class:`~teamalign.errors.ImportFileError` raised by the parser is raised again in
  the parent, unchanged. Anything else the child could not survive becomes an
  ``ImportFileError`` subclass naming the file: :class:`ParseMemoryExceeded`,
  :class:`ParseTimeExceeded` or :class:`ParserFailed` (a bug in a reader, which the
  parent also logs with the child's traceback).

The limits are settings (``IMPORT_PARSE_MEMORY_MB``, ``IMPORT_PARSE_SECONDS``); callers pass
them in, so this module stays free of Django.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from teamalign.errors import ImportFileError

log = logging.getLogger(__name__)

#: Defaults of the settings (documented in docs/configuration.md).
DEFAULT_MEMORY_MB = 4096
DEFAULT_SECONDS = 900

_PRELOAD: list[str] = ["polars", "python_calamine", "teamalign.ingest", "teamalign.ingest.dates",
                       "teamalign.ingest.numbers", "teamalign.ingest.xlsx",
                       "teamalign.ingest.csvfile"]
_context_lock = threading.Lock()
_start_lock = threading.Lock()
_context: Any = None


class SandboxError(ImportFileError):
    """The file could not be parsed within the sandbox's limits, or the parser failed."""


class ParseMemoryExceeded(SandboxError):
    pass


class ParseTimeExceeded(SandboxError):
    pass


class ParserFailed(SandboxError):
    pass


@dataclasses.dataclass
class SandboxResult:
    """What the parser returned, and what parsing it cost the child."""

    value: Any
    peak_rss_mb: int
    seconds: float


def preload(*modules: str) -> None:
    """Modules the fork server imports once, so each child starts with them loaded.

    Call at import time of the module that runs parses (before the first parse): once the
    fork server runs, the list is fixed for the life of the process.
    """
    for module in modules:
        if module not in _PRELOAD:
            _PRELOAD.append(module)


def warm_up() -> None:
    """Start the fork server now, in the background, so that the first parse does not wait
    for it (a new interpreter importing Polars takes about half a second): call it when a
    parse is sure to follow, before slower work such as copying the file."""
    context = _get_context()
    from multiprocessing import forkserver

    if context.get_start_method() == "forkserver":
        threading.Thread(target=forkserver.ensure_running, name="teamalign-fork-server",
                         daemon=True).start()


def _get_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(_PRELOAD))
            _context = context
    return _context


# --------------------------------------------------------------------------- the child


@dataclasses.dataclass(frozen=True)
class _FrameFile:
    path: str


def _externalise(value: Any, folder: str, counter: list[int]) -> Any:
    """Replace every Polars frame inside ``value`` by a file holding it."""
    import polars as pl

    if isinstance(value, pl.DataFrame):
        counter[0] += 1
        path = os.path.join(folder, f"frame-{counter[0]}.parquet")
        # Parquet, not Arrow IPC: as fast to write and read back, and several times smaller
        # (text columns are dictionary-encoded where IPC writes 16-byte views per value), so
        # the hand-over costs little disk and no memory beyond the frame itself.
        value.write_parquet(path, compression="uncompressed", statistics=False)
        return _FrameFile(path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _externalise(getattr(value, f.name), folder, counter)
                   for f in dataclasses.fields(value) if f.init}
        if all(changes[name] is getattr(value, name) for name in changes):
            return value
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {k: _externalise(v, folder, counter) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_externalise(v, folder, counter) for v in value]
        return type(value)(items) if isinstance(value, list) else tuple(items)
    return value


def _internalise(value: Any) -> Any:
    import polars as pl

    if isinstance(value, _FrameFile):
        # One chunk per column, its text in one buffer: as read, the columns keep the file's
        # row groups and pages, and later work on them (shaping, hashing, writing) holds a
        # third more memory at a million tickets than on the compacted frame.
        frame = pl.read_parquet(value.path).rechunk()
        Path(value.path).unlink(missing_ok=True)
        return frame
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _internalise(getattr(value, f.name))
                   for f in dataclasses.fields(value) if f.init}
        if all(changes[name] is getattr(value, name) for name in changes):
            return value
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {k: _internalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_internalise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_internalise(v) for v in value)
    return value


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _child(conn: Any, target: str, kwargs: dict, callbacks: list[str], memory_mb: int,
           seconds: float, folder: str) -> None:
    # The child's stderr goes to a file: an abort's message ("memory allocation of …
    # failed") tells the parent what happened, and stays out of the service's log.
    err = os.open(os.path.join(folder, "stderr.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(err, 2)
    os.close(err)
    limit = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # A backstop should the parent die without killing us: SIGALRM ends the process.
    signal.alarm(int(seconds) * 2 + 60)
    tempfile.tempdir = folder
    os.environ["TMPDIR"] = folder
    os.environ["RUST_BACKTRACE"] = "0"
    started = time.perf_counter()

    def send(*message: Any) -> None:
        conn.send(message)

    counter = [0]

    def forward(name: str) -> Callable[..., None]:
        # Frames passed to a callback travel like the result's (a parser may hand over its
        # output in batches this way).
        return lambda *args: send("call", name, _externalise(args, folder, counter))

    try:
        for name in callbacks:
            kwargs[name] = forward(name)
        value = _resolve(target)(**kwargs)
        payload = _externalise(value, folder, counter)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        send("result", payload, peak, time.perf_counter() - started)
    except ImportFileError as exc:
        send("error", exc.message, exc.file, exc.row, exc.column)
    except MemoryError:
        send("memory")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        send("crash", exc.__class__.__name__, str(exc)[:1000], traceback.format_exc())
    finally:
        conn.close()


# --------------------------------------------------------------------------- the parent


def run(target: str, *, kwargs: Mapping[str, Any], file_name: str, memory_mb: int = DEFAULT_MEMORY_MB,
        seconds: float = DEFAULT_SECONDS, callbacks: Mapping[str, Callable[..., Any]] | None = None,
        scratch: str | Path | None = None) -> SandboxResult:
    """Call ``target`` (``"package.module:function"``) with ``kwargs`` in a sandboxed child.

    ``callbacks`` maps keyword names of ``target`` to functions of the parent: the child
    passes stand-ins that forward each call here (progress bars, "format detected").
    ``file_name`` is the name errors give the file. ``scratch`` is where the child's
    temporary files go (a folder under it is made and removed per call).
    """
    callbacks = dict(callbacks or {})
    base = Path(scratch) if scratch else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    _remove_stale(base)
    folder = tempfile.mkdtemp(prefix="teamalign-parse-", dir=base)
    context = _get_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, target, dict(kwargs), list(callbacks), memory_mb, seconds, folder),
        daemon=True, name="teamalign-parse")
    try:
        _start(process)
        sender.close()
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ParseTimeExceeded(
                    f"reading the file took longer than the {_seconds(seconds)} allowed for "
                    "reading a file (IMPORT_PARSE_SECONDS), so it was stopped; split it into "
                    "smaller exports, or raise the limit", file=file_name)
            if not receiver.poll(min(left, 0.5)):
                if process.is_alive():
                    continue
                if not receiver.poll(0):
                    break
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "call":
                callbacks[message[1]](*_internalise(message[2]))
                continue
            if kind == "result":
                process.join(5)
                return SandboxResult(_internalise(message[1]), int(message[2]), float(message[3]))
            if kind == "error":
                raise ImportFileError(message[1], file=message[2] or file_name, row=message[3],
                                      column=message[4])
            if kind == "memory":
                raise _memory_error(file_name, memory_mb)
            if kind == "crash":
                _, name, text, trace = message
                if _about_memory(f"{name} {text}"):
                    raise _memory_error(file_name, memory_mb)
                log.error("the parser failed on %s:\n%s", file_name, trace)
                raise ParserFailed(
                    f"the file could not be read: the reader stopped on something it did not "
                    f"expect ({name}: {text.splitlines()[0] if text else 'no message'}). This is a "
                    "fault in teamalign; please report it with the file", file=file_name)
        process.join(5)
        raise _died(process.exitcode, folder, file_name, memory_mb)
    finally:
        if process.is_alive():
            process.kill()
            process.join(5)
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)


def _remove_stale(base: Path) -> None:
    """Scratch folders a killed process left behind (a normal run removes its own)."""
    day_ago = time.time() - 86_400
    for old in base.glob("teamalign-parse-*"):
        try:
            if old.stat().st_mtime < day_ago:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue


def _start(process: Any) -> None:
    """Start the child without it importing the parent's main script.

    ``multiprocessing`` makes each child import the parent's ``__main__`` file (so that
    functions defined there can be unpickled). Our target lives in a package, and the main
    script may be anything (gunicorn's, pytest's, a user's script that does work at import),
    so the child is told there is none: ``__main__`` is hidden while the start-up data is
    gathered, under a lock so that concurrent parses do not see each other's stand-in.
    """
    with _start_lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            process.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def _seconds(seconds: float) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{int(seconds // 60)} minutes"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def _about_memory(text: str) -> bool:
    text = text.lower()
    # Allocation failures, and the thread start-up that fails first under a tight limit.
    return any(word in text for word in ("memory allocation", "out of memory", "cannot allocate",
                                         "memoryerror", "alloc", "capacity overflow",
                                         "could not spawn threads", "failed to spawn thread"))


def _memory_error(file_name: str, memory_mb: int) -> ParseMemoryExceeded:
    return ParseMemoryExceeded(
        f"reading the file ran out of the memory allowed for reading a file ({memory_mb:,} MB, "
        "IMPORT_PARSE_MEMORY_MB) and was stopped: the file is larger than that allows, or is "
        "built so that reading it takes that much. Split it into smaller exports, or raise the "
        "limit", file=file_name)


def _died(code: int | None, folder: str, file_name: str, memory_mb: int) -> SandboxError:
    try:
        with open(Path(folder, "stderr.txt"), errors="replace") as handle:
            stderr = handle.read(64 * 1024)
    except OSError:
        stderr = ""
    if _about_memory(stderr):
        return _memory_error(file_name, memory_mb)
    if code is not None and code < 0:
        signal_name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        # SIGKILL that we did not send is the system's out-of-memory killer.
        if _about_memory(stderr) or -code == signal.SIGKILL:
            return _memory_error(file_name, memory_mb)
        if -code == signal.SIGALRM:
            return ParseTimeExceeded("reading the file took too long and was stopped",
                                     file=file_name)
        log.error("the parser process for %s ended with %s:\n%s", file_name, signal_name, stderr)
        return ParserFailed(f"the file could not be read: the process reading it was stopped "
                            f"({signal_name})", file=file_name)
    log.error("the parser process for %s ended with exit code %s:\n%s", file_name, code, stderr)
    return ParserFailed(f"the file could not be read: the process reading it ended early (exit "
                        f"code {code})", file=file_name)
