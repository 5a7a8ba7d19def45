"""Progress of long work, for the people watching it: stages report (what, how many so far[, of how many]).

On a terminal, each stage is a live line (rich): its count, rate, elapsed time, and a bar with the
time left when the stage knows its total. Elsewhere (cron, CI, a log file), each stage prints one
plain line at most every ``interval`` seconds while it moves, and a last line (timed to its last count)
when the command ends, so a long run never looks hung and a log stays short. A stage whose count goes
back is a new pass of it, timed and totalled anew. Quiet: nothing.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import IO, Callable

Reporter = Callable[..., None]  # (name, count, total=None)


@dataclass
class _Stage:
    label: str
    started: float
    count: int = 0
    total: int | None = None
    updated: float = 0.0     # when its count last moved
    printed: float = 0.0     # when the last plain line was printed
    printed_count: int = -1  # the count it showed
    task: object = None      # the rich task, on a terminal


@dataclass
class Progress:
    """Live progress on a terminal, throttled plain lines elsewhere, nothing when ``quiet``."""

    quiet: bool = False
    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    interval: float = 10.0
    terminal: bool | None = None  # None: whether ``stream`` is a terminal
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.stages: dict[str, _Stage] = {}
        self._live = None
        if self.terminal is None:
            self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())

    def reporter(self, label: str, rows: bool = True) -> Reporter:
        """A function for a library's ``progress`` argument: ``"<label> <name>: n rows"`` when counting rows
        of named tables, ``"<label>: n <name>"`` otherwise."""

        def report(name: str, count: int, total: int | None = None) -> None:
            self.update(f"{label} {name}" if rows else label, count, total, "rows" if rows else name)

        return report

    def update(self, stage: str, count: int, total: int | None = None, unit: str = "") -> None:
        if self.quiet:
            return
        key = f"{stage}\0{unit}"
        now = self.clock()
        current = self.stages.get(key)
        if current is None or count < current.count:  # new, or a new pass under the same name: timed anew
            if current is not None and not self.terminal and current.printed_count != current.count:
                self._print(current, current.updated)
            current = self.stages[key] = _Stage(f"{stage}: {{}} {unit}".strip(), now)
        current.count, current.total = count, total if total is not None else current.total
        current.updated = now
        if self.terminal:
            self._draw(current)
        elif now - current.printed >= self.interval:
            self._print(current, now)

    def _draw(self, stage: _Stage) -> None:
        from rich.progress import BarColumn, Progress as Live, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        if self._live is None:
            self._live = Live(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rate]}"),
                              TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
                              console=_console(self.stream))
            self._live.start()
        description = stage.label.format(f"{stage.count:,}" + (f" of {stage.total:,}" if stage.total else ""))
        rate = f"{stage.count / max(self.clock() - stage.started, 1e-9):,.0f}/s"
        if stage.task is None:
            stage.task = self._live.add_task(description, total=stage.total, rate=rate)
        self._live.update(stage.task, description=description, completed=stage.count, total=stage.total, rate=rate)

    def _print(self, stage: _Stage, now: float) -> None:
        elapsed = now - stage.started
        shown = f"{stage.count:,}" + (f" of {stage.total:,}" if stage.total else "")
        rate = f", {stage.count / elapsed:,.0f}/s" if elapsed >= 1 else ""
        left = ""
        if stage.total and stage.count and elapsed >= 1:
            left = f", about {(stage.total - stage.count) * elapsed / stage.count:,.0f} s left"
        print(f"  {stage.label.format(shown)} ({elapsed:,.1f} s{rate}{left})", file=self.stream, flush=True)
        stage.printed, stage.printed_count = now, stage.count

    def close(self) -> None:
        """Stop the live lines; in plain mode, print each stage's last count if it was not printed."""
        if self._live is not None:
            self._live.stop()
            self._live = None
            return
        if not self.quiet and not self.terminal:
            for stage in self.stages.values():
                if stage.printed_count != stage.count:
                    self._print(stage, stage.updated)  # timed to its last count, not to the command's end


def _console(stream: IO[str]):
    from rich.console import Console

    return Console(file=stream, force_terminal=True)
