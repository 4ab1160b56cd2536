"""A large file read and parsed in a child process while the importing process stores it.

Parsing and storing each keep a core busy; in one process they take turns on the GIL. The
child runs the same `LineReader` as the serial path and pickles its chunks, in order, into
a pipe; the parent stores them as they come, so both paths store the same (`ProfileHold`
sends repeated profiles merged, later). A pipe read to its end before the last chunk means
the child died: an error, never a hang. A parent that dies (even by kill -9) closes the
pipe, and the child's next write ends it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from vigil.errors import InputError, VigilError
from vigil.platforms.file_digest import FileDigest
from vigil.platforms.line_reader import COUNTED, Chunk, LineParser, LineReader, few_collections
from vigil.platforms.profile_hold import ProfileHold
from vigil.platforms.record_batch import from_plain, to_plain

__all__ = ["ParseProcess", "can_parse_apart"]

log = logging.getLogger(__name__)

_HEADER = struct.Struct("<Q")
_PIPE_BYTES = 1 << 20  # a pipe of 1 MiB instead of 64 KiB: fewer turns between the two
_READ_BYTES = 4 << 20  # lines of search pages run to 150 kB: read whole, not 8 kB at a time
_F_SETPIPE_SZ = 1031  # Linux's fcntl to size a pipe
_CHUNK, _END, _ERROR = "chunk", "end", "error"
_EXIT_WAIT = 10.0  # seconds for a child that sent its last chunk to end
FRAMES_AHEAD = 2  # frames read but not yet stored: two batches of parsed records


def can_parse_apart(parser: LineParser) -> bool:
    """Whether a child process can run `parser`: it must pickle (a class, not a closure)."""
    if os.name != "posix" or not sys.executable:  # the pipe goes by descriptor number
        return False
    try:
        pickle.dumps(parser)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


class ParseProcess:
    """Chunks of `path` parsed by a child process, in order; use inside ``with``.

    A thread takes frames off the pipe as they come, up to `FRAMES_AHEAD` before the one
    being stored, so the child parses on while the store is busy (or the machine is).
    """

    def __init__(self, path: Path, parser: LineParser, batch_records: int, size: int) -> None:
        self.path = path
        self.sha256 = ""  # of the bytes read, once the last chunk came
        self._job = (str(path), parser, batch_records, size)
        self._proc: subprocess.Popen[bytes] | None = None
        self._pipe: IO[bytes] | None = None
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=FRAMES_AHEAD)
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()
        self._started = False

    def __enter__(self) -> ParseProcess:
        read_end, write_end = os.pipe()
        try:
            _widen(write_end)
            self._proc = subprocess.Popen(
                [sys.executable, "-m", __name__, str(write_end)],
                stdin=subprocess.PIPE,
                pass_fds=(write_end,),
                env=_child_env(),
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)  # only the child may hold it: its end is the pipe's end
        self._pipe = os.fdopen(read_end, "rb", buffering=_PIPE_BYTES)
        self._reader = threading.Thread(target=self._read, name="vigil-parse-pipe", daemon=True)
        self._reader.start()
        log.debug("starting process %s to parse %s", self._proc.pid, self.path)
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def cancel(self) -> None:
        """Send no job: the child ends, and the chunks end with an error if read."""
        assert self._proc is not None
        assert self._proc.stdin is not None
        self._started = True
        with contextlib.suppress(OSError):
            self._proc.stdin.close()

    def start(self, after: Chunk | None = None) -> None:
        """Have the child parse from where a reader here stopped (`LineReader.resume`), or
        from the start; it has been starting meanwhile (its imports take a batch's time)."""
        assert self._proc is not None
        assert self._proc.stdin is not None
        self._started = True
        try:
            self._proc.stdin.write(pickle.dumps((*self._job, after), pickle.HIGHEST_PROTOCOL))
            self._proc.stdin.close()
        except BrokenPipeError:
            pass  # it died: reading says how

    def __iter__(self) -> Iterator[Chunk]:
        if not self._started:
            self.start()
        while True:
            body = self._frames.get()
            if body is None:
                raise VigilError(f"{self.path}: the parse process ended early ({self._ended()})")
            # Frames of our own child over a pipe no one else holds.
            kind, payload = pickle.loads(body)  # noqa: S301
            if kind == _END:
                self.sha256 = payload
                return
            if kind == _ERROR:
                raise _error_from(self.path, *payload)
            plain, counts, done, rejects = payload
            yield Chunk(None if plain is None else from_plain(plain), counts, done, rejects)

    def _read(self) -> None:
        """On the reader thread: whole frames into the queue, then None (the pipe ended)."""
        assert self._pipe is not None
        try:
            while not self._stop.is_set():
                header = self._pipe.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    break
                (size,) = _HEADER.unpack(header)
                body = self._pipe.read(size)
                if len(body) < size:
                    break
                self._put(body)
        except (OSError, ValueError):  # the pipe closed under it: the import is ending
            pass
        self._put(None)

    def _put(self, body: bytes | None) -> None:
        while not self._stop.is_set():
            try:
                self._frames.put(body, timeout=0.1)
            except queue.Full:
                continue
            return

    def _ended(self) -> str:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            return "it closed its pipe"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc = self._proc
        if proc is not None and kind is not None:
            proc.kill()  # it only reads: nothing of it needs to finish
        if proc is not None and proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):
                proc.stdin.close()  # no job came: it ends
        self._stop.set()
        if self._reader is not None:
            self._reader.join()
        if self._pipe is not None:
            self._pipe.close()
        if proc is None:
            return
        try:
            proc.wait(timeout=_EXIT_WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _widen(fd: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, OSError):
        pass  # a smaller pipe only means more turns


def _child_env() -> dict[str, str]:
    """The environment, with this copy of Vigil first on the path (the child imports it)."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return env


def _error_from(path: Path, kind: str, message: str) -> VigilError:
    if kind == "os":
        return InputError(f"cannot read: {message}", source=str(path))
    return VigilError(f"{path}: parsing failed in the parse process: {message}")


def _send(out: IO[bytes], kind: str, payload: Any) -> None:
    body = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(body)))
    out.write(body)
    out.flush()


def main(argv: list[str]) -> int:
    """The child: take the job from stdin, send chunks down the pipe named by `argv[0]`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent ends it, after Ctrl-C too
    out = os.fdopen(int(argv[0]), "wb")
    try:
        path, parser, batch_records, size, after = pickle.load(sys.stdin.buffer)  # noqa: S301
    except EOFError:
        return 1  # the parent is gone, or read the whole file itself
    try:
        with (
            few_collections(),
            FileDigest(Path(path), size) as digest,
            open(path, "rb", buffering=_READ_BYTES) as stream,
        ):
            done = 0 if after is None else after.done
            stream.seek(done)
            hold = ProfileHold(after)
            counts = (0,) * len(COUNTED) if after is None else after.counts
            for c in LineReader(parser, batch_records, after=after).stream(stream):
                if c.batch is None:
                    _send(out, _CHUNK, (None, c.counts, c.done, c.rejects))
                else:
                    held, batch = hold.take(c.batch)
                    if held is not None:  # older than the batch: stored before it
                        _send(out, _CHUNK, (to_plain(held), counts, done, []))
                    _send(out, _CHUNK, (to_plain(batch), c.counts, c.done, c.rejects))
                counts, done = c.counts, c.done
            held = hold.release()
            if held is not None:
                _send(out, _CHUNK, (to_plain(held), counts, done, []))
            _send(out, _END, digest.hexdigest(done))
    except BrokenPipeError:  # the parent is gone: nobody to tell
        with contextlib.suppress(OSError):
            out.close()  # now, not with a complaint at exit about what it could not write
        return 1
    except OSError as exc:
        return _fail(out, "os", exc.strerror or str(exc))
    except Exception as exc:
        return _fail(out, "other", f"{type(exc).__name__}: {exc}")
    return 0


def _fail(out: IO[bytes], kind: str, message: str) -> int:
    with contextlib.suppress(OSError):  # the parent is gone
        _send(out, _ERROR, (kind, message))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
