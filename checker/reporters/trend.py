"""An inline SVG line of failures per run: no script, no font files, nothing fetched."""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import Sequence, Tuple, Union

TrendPoint = Tuple[Union[dt.date, str], int]  # (day or timestamp of the run, failures in it)

WIDTH, HEIGHT, PAD = 640, 160, 28


def trend_svg(points: Sequence[TrendPoint]) -> str:
    """The trend as SVG markup (every text escaped); one point is drawn as a dot."""
    values = [max(0, int(n)) for _, n in points]
    if not values:
        return ""
    top = max(values) or 1
    span = max(1, len(values) - 1)
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def xy(i: int, n: int) -> tuple[float, float]:
        return PAD + inner_w * i / span, PAD + inner_h * (1 - n / top)

    coords = [xy(i, n) for i, n in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    first, last = (escape(str(points[0][0])), escape(str(points[-1][0])))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(str(d))}: {n}</title></circle>'
                   for (x, y), (d, n) in zip(coords, points))
    return (
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="failures per run, '
        f'{first} to {last}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>'
        f'<polyline points="{line}" fill="none" stroke="#b42318" stroke-width="2"/>'
        f'<g fill="#b42318">{dots}</g>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{first}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">{last}</text>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" font-size="11" text-anchor="end">{top}</text>'
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD + 4}" font-size="11" text-anchor="end">0</text>'
        "</svg>"
    )
