"""The report channel: how child processes send observations to the driver.

One pipe, created before any step, inherited by every process of the case.
Each message is one JSON line written with a single os.write() no longer than
PIPE_BUF, so writes of concurrent processes never interleave. A message too
long for that is cut into fragments that are each written the same way and
joined again by the reader.

The main process reads only after its own steps, when it has closed its write
end; the read reaches EOF when the last process holding the write end exits,
which is how the driver waits for every process of the case to end (§5).
"""

import itertools
import json
import os
import select
import sys

_LIMIT = select.PIPE_BUF
# A fragment's data is JSON-escaped once more, which at most doubles it.
_CHUNK = (_LIMIT - 128) // 2
_BIG_PIPE = 1 << 20


class Channel:
    def __init__(self):
        self._r, self._w = os.pipe()
        self._serial = itertools.count()
        _enlarge(self._w)

    @classmethod
    def writer(cls, write_end):
        """The channel as a spawned child has it: only the write end (the
        driver passes it over, driver.PassFd)."""
        channel = cls.__new__(cls)
        channel._r, channel._w = None, write_end
        channel._serial = itertools.count()
        return channel

    @property
    def write_end(self):
        return self._w

    def send(self, message):
        """Write ``message`` (a JSON-able dict); callable in any process."""
        line = json.dumps(message, ensure_ascii=True, sort_keys=True,
                          separators=(",", ":"))
        if len(line) < _LIMIT:
            self._write(line)
            return
        ident = "%d.%d" % (os.getpid(), next(self._serial))
        for start in range(0, len(line), _CHUNK):
            last = start + _CHUNK >= len(line)
            self._write(json.dumps({"frag": ident, "last": last,
                                    "data": line[start:start + _CHUNK]},
                                   ensure_ascii=True, separators=(",", ":")))

    def _write(self, line):
        data = (line + "\n").encode("ascii")
        # At most PIPE_BUF bytes to a blocking pipe: written whole or not at
        # all (EINTR is retried by Python itself, PEP 475).
        written = os.write(self._w, data)
        if written != len(data):
            raise OSError("short write to the report pipe")

    def collect(self):
        """Main process only: close our write end, read every message to EOF."""
        os.close(self._w)
        chunks = []
        while True:
            try:
                data = os.read(self._r, 65536)
            except InterruptedError:
                continue
            if not data:
                break
            chunks.append(data)
        os.close(self._r)
        messages, pieces = [], {}
        for raw in b"".join(chunks).split(b"\n"):
            if not raw:
                continue
            msg = json.loads(raw.decode("ascii"))
            if "frag" in msg:
                pieces.setdefault(msg["frag"], []).append(msg["data"])
                if msg["last"]:
                    msg = json.loads("".join(pieces.pop(msg["frag"])))
                else:
                    continue
            messages.append(msg)
        return messages


def _enlarge(fd):
    # The main process does not read while it runs its own steps; a larger
    # pipe keeps chatty children from blocking on a full one meanwhile.
    if not sys.platform.startswith("linux"):
        return
    import fcntl
    try:
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _BIG_PIPE)
    except OSError:
        pass  # capped by /proc/sys/fs/pipe-max-size; the default still works
