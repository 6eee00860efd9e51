"""The reports' charts, drawn with matplotlib in a CJK font found on the system: radar, trend, heat map (PNG)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from govdata.errors import GovdataError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: CJK families tried in order (Debian: fonts-noto-cjk, fonts-wqy-microhei; others: Source Han, Microsoft YaHei).
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans CJK JP", "Source Han Sans CN", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
)  # fmt: skip
DPI = 150


class NoCjkFontError(GovdataError):
    """No font with Chinese glyphs is installed: charts would show boxes instead of characters."""


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The first CJK family of CJK_FAMILIES that matplotlib finds on this system, or NoCjkFontError."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise NoCjkFontError(
        "no CJK font found for the report charts (tried " + ", ".join(CJK_FAMILIES) + "): install the Debian "
        "package fonts-noto-cjk (`make install` does)"
    )


def _figure(width: float, height: float, polar: bool = False) -> tuple[Figure, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_subplot(projection="polar" if polar else None)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def _style() -> dict:
    return {"font.family": [cjk_font()], "axes.unicode_minus": False}


def radar(labels: Sequence[str], values: Sequence[float | None], previous: Sequence[float | None] | None) -> bytes:
    """雷达图 of the dimension scores (0–100), the previous period's dashed; a dimension without evidence at 0."""
    import math

    import matplotlib

    with matplotlib.rc_context(_style()):
        fig, ax = _figure(4.6, 4.2, polar=True)
        angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
        series = [("本期", values, "-", "#c0392b")]
        if previous and any(v is not None for v in previous):
            series.append(("上期", previous, "--", "#7f8c8d"))
        for name, data, style, colour in series:
            points = [v or 0.0 for v in data]
            ax.plot([*angles, angles[0]], [*points, points[0]], style, color=colour, label=name)
            if name == "本期":
                ax.fill([*angles, angles[0]], [*points, points[0]], color=colour, alpha=0.15)
        ax.set_xticks(angles)
        ax.set_xticklabels(labels)
        ax.set_ylim(0, 100)
        ax.set_yticks([20, 40, 60, 80, 100])
        ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), fontsize=8)
        return _png(fig)


def trend(periods: Sequence[str], totals: Sequence[float | None], bands: Sequence[tuple[float, str]]) -> bytes:
    """趋势图: the total over the periods, with the level bands as dotted lines."""
    import matplotlib

    with matplotlib.rc_context(_style()):
        fig, ax = _figure(5.6, 2.8)
        xs = list(range(len(periods)))
        ax.plot(xs, [t if t is not None else float("nan") for t in totals], "o-", color="#2c3e50")
        for x, t in zip(xs, totals, strict=True):
            if t is not None:
                ax.annotate(f"{t:.1f}", (x, t), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        for score, name in bands:
            if score > 0:
                ax.axhline(score, linestyle=":", linewidth=0.8, color="#95a5a6")
                ax.text(len(xs) - 0.5, score + 1, name, fontsize=7, color="#7f8c8d", ha="right")
        ax.set_xticks(xs)
        ax.set_xticklabels(periods)
        ax.set_xlim(-0.5, max(len(xs) - 0.5, 0.5))
        ax.set_ylim(0, 105)
        ax.set_ylabel("总分")
        return _png(fig)


def heat_map(departments: Sequence[str], dimensions: Sequence[str], values: Sequence[Sequence[float | None]]) -> bytes:
    """热力图: departments × dimensions, each cell its score (无 where there is no evidence)."""
    import matplotlib

    with matplotlib.rc_context(_style()):
        fig, ax = _figure(1.1 * len(dimensions) + 1.6, 0.45 * len(departments) + 1.0)
        grid = [[v if v is not None else float("nan") for v in row] for row in values]
        image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
        ax.set_xticks(range(len(dimensions)))
        ax.set_xticklabels(dimensions)
        ax.set_yticks(range(len(departments)))
        ax.set_yticklabels(departments)
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                ax.text(j, i, "无" if v is None else f"{v:.0f}", ha="center", va="center", fontsize=8)
        fig.colorbar(image, ax=ax, fraction=0.04)
        return _png(fig)
