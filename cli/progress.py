"""Progress on long steps: a spinner with the elapsed time on stderr, and a line with each finished step's
duration, so a run of minutes shows where it is and where the time went. Only at a terminal: a script's
stdout stays for results and its stderr for the one error line."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli.render import err


@contextmanager
def steps(first: str) -> Iterator[Callable[[str], None]]:
    """Yields ``step(message)``: it closes the running step (printing its duration) and starts the next."""
    shown = err.is_terminal
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=True, disable=not shown) as bar:  # fmt: skip
        task = bar.add_task(first, total=None)
        current, started = first, time.perf_counter()

        def step(message: str) -> None:
            nonlocal current, started
            if message == current:
                return
            if shown:
                bar.console.print(
                    f"  {current} ({time.perf_counter() - started:.1f} s)", highlight=False, markup=False
                )
            current, started = message, time.perf_counter()
            bar.update(task, description=message)

        yield step
        if shown:
            bar.console.print(
                f"  {current} ({time.perf_counter() - started:.1f} s)", highlight=False, markup=False
            )
