"""Progress reports of long steps (imports, the demo build): a callback taking (step, fraction done).

The CLI draws a bar from it, the dashboard a progress widget; `no_progress` is the default that
reports nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]  # (step name, fraction done 0..1)


def no_progress(step: str, fraction: float) -> None:
    pass
