"""A reader in its own process, holding a release while a writer beside it is killed.

The harness starts one reader for the whole run. Per kill it tells the reader to open the kill's home (the
live release, pinned and loaded as the product loads it), the reader answers the probe's questions over and
over until told to stop, and then says how many answers it gave, whether any differed from its first, and
any error. A consultant's process must keep answering from its release whatever a writer does.

Protocol: one JSON object per line each way. ``{"open": HOME}`` -> ``{"first": ANSWER}``;
``{"stop": true}`` -> ``{"answers": N, "different": N, "errors": [...]}``; end of input ends the process.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from bench.faults_world import Probe, answer, settings_for

INTERVAL_S = 0.05  # between two answers: enough to answer all through a kill without taking a whole core


class Reader:
    """The harness's handle on the reader process."""

    def __init__(self, probe: Probe, env: dict[str, str], cwd: Path) -> None:
        cmd = [sys.executable, "-m", "bench.faults_reader", probe.seeker_id, probe.vacancy_id]
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)  # fmt: skip

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the reader process ended (exit {self.proc.wait()})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def open(self, home: Path) -> dict[str, Any]:
        """Load ``home``'s live release; its first answer."""
        return self._ask({"open": str(home)})

    def stop(self) -> dict[str, Any]:
        return self._ask({"stop": True})

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _serve_forever(probe: Probe, commands: queue.Queue[str | None], out: IO[str]) -> None:
    from app.workspace.base import load_release

    loaded: Any = None
    first: dict[str, Any] = {}
    answers = different = 0
    errors: list[str] = []
    while True:
        try:
            line = commands.get(timeout=INTERVAL_S) if loaded is not None else commands.get()
        except queue.Empty:
            line = ""
        if line is None:
            return
        message = json.loads(line) if line else {}
        if "open" in message:
            loaded = load_release(settings_for(Path(message["open"])))
            first, answers, different, errors = answer(loaded, probe), 1, 0, []
            out.write(json.dumps({"first": first}) + "\n")
        elif "stop" in message:
            loaded.world.close()
            loaded = None
            out.write(json.dumps({"answers": answers, "different": different, "errors": errors[:5]}) + "\n")
        else:
            try:
                answers += 1
                different += answer(loaded, probe) != first
            except Exception as exc:  # any failure to answer is what the harness reports
                errors.append(f"{type(exc).__name__}: {exc}")
        out.flush()


def main(argv: list[str]) -> None:
    commands: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            commands.put(line)
        commands.put(None)

    threading.Thread(target=read, daemon=True).start()
    _serve_forever(Probe(argv[0], argv[1]), commands, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
