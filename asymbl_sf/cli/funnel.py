"""A job's pipeline drawn as a funnel: one bar per stage, counts beside it, rejected apart.

Bars share one scale across every job drawn (the fullest stage fills the bar), so two jobs can be
compared at a glance; a stage with applications always shows at least one block. Names are cut
to keep each line within the terminal's width (80 columns and up).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from asymbl_sf.cli.output import shown
from asymbl_sf.reading.pipeline import JobFunnel

FULL_BLOCK = "█"
#: Columns around the bar: name, counts and padding.
_NAME_WIDTH = 22
_COUNTS_WIDTH = 22


def bar_width(width: int) -> int:
    """Columns the bar gets on a terminal ``width`` columns wide."""
    return max(10, min(50, width - _NAME_WIDTH - _COUNTS_WIDTH - 4))


def funnel_view(funnels: Sequence[JobFunnel], width: int = 80) -> RenderableType:
    """Every job's funnel, fullest stage across all of them = a full bar."""
    if not funnels:
        return Text("no jobs in this org")
    top = max((s.total for f in funnels for s in f.stages), default=0) or 1
    size = bar_width(width)
    parts: list[RenderableType] = []
    for funnel in funnels:
        parts.append(_title(funnel))
        table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
        table.add_column("stage", no_wrap=True, max_width=_NAME_WIDTH, overflow="ellipsis")
        table.add_column("bar", no_wrap=True, width=size)
        table.add_column("active", justify="right", no_wrap=True)
        table.add_column("rejected", justify="right", no_wrap=True, style="red")
        for stage in funnel.stages:
            active = _blocks(stage.active, top, size)
            rejected = _blocks(stage.rejected, top, size - len(active))
            bar = Text(FULL_BLOCK * len(active), style="cyan")
            bar.append("░" * len(rejected), style="red")
            table.add_row(
                shown(stage.name),
                bar,
                f"{stage.active:,}",
                f"{stage.rejected:,} rejected" if stage.rejected else "",
            )
        parts.append(table)
        parts.append(Text(""))
    return Group(*parts)


def _title(funnel: JobFunnel) -> Text:
    title = shown(funnel.name, style="bold")
    if funnel.status:
        title.append(f" · {funnel.status}", style="dim")
    noun = "application" if funnel.total == 1 else "applications"
    title.append(f" · {funnel.total:,} {noun}")
    if funnel.rejected:
        title.append(f" ({funnel.rejected:,} rejected)", style="red")
    return title


def _blocks(count: int, top: int, size: int) -> str:
    """``count`` on a scale where ``top`` fills ``size`` blocks; never zero blocks for a
    non-zero count (when there is room)."""
    if count <= 0 or size <= 0:
        return ""
    return FULL_BLOCK * max(1, round(count * size / top))
