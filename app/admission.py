"""Admission of workspace calls: a fixed number run at once, the others wait and are let in first come,
first served.

Why not ``threading.Semaphore``: its ``release`` only wakes a waiter, and the thread that released, calling
again at once, takes the slot back before the woken one runs. Under consultants who call back to back, some
threads held the slots for a whole 90 s benchmark while others waited all of it for their first answer.
Here a released slot is handed to the longest waiter directly, so nobody can jump the queue.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class Slots:
    """``size`` slots, handed out in arrival order; ``with slots:`` holds one for the block."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"at least one slot is needed, not {size}")
        self.size = size
        self._free = size
        self._waiting: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # set by release(), which has handed this thread its slot

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the slot passes straight on: never free for a newcomer
            elif self._free < self.size:
                self._free += 1
            else:
                raise RuntimeError("released more slots than were taken")

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def __enter__(self) -> Slots:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
