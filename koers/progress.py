"""Progress reports of long steps (imports, the demo build): a callback taking (step, fraction done).

The CLI draws a bar from it, the dashboard a progress widget; `no_progress` is the default that
reports nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm

Progress = Callable[[str, float], None]  # (step name, fraction done 0..1)


def no_progress(step: str, fraction: float) -> None:
    pass


class TerminalBar:
    """A progress bar on standard error (the command line, the server's terminal); `update(step,
    fraction)` fits the callback."""

    def __init__(self, title: str, position: int | None = None) -> None:
        self.bar = tqdm(total=100, desc=title, file=sys.stderr, unit="%", leave=False, position=position,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}", mininterval=0.2, miniters=1)

    def update(self, step: str, fraction: float) -> None:
        self.bar.set_postfix_str(step, refresh=False)
        self.bar.update(max(0, round(fraction * 100) - self.bar.n))
        if fraction >= 1:  # the end is always shown (within `mininterval` of the last print it was not)
            self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
