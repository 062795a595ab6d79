"""Rich progress bars for jobs run from the terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


@contextmanager
def progress_bar(title: str) -> Iterator[Callable[[float, str], None]]:
    """A callback (fraction, message) that draws one bar on stderr while the block runs."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), TextColumn("{task.fields[message]}"), console=console,
                  transient=True) as bar:
        task = bar.add_task(title, total=1.0, message="")

        def update(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, message=message[:60])

        yield update
