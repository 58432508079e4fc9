"""Geometry of simple bar charts; the template draws them as inline SVG (labels escaped there)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    horizontal: bool


def horizontal(items: list[tuple[str, int]], width: int = 640, row: int = 28, label_w: int = 220) -> Chart:
    """One row per item, bar length proportional to the value."""
    top = max([v for _, v in items] + [1])
    span = width - label_w - 60
    bars = [
        Bar(label, value, label_w, i * row + 4, span * value / top, row - 8) for i, (label, value) in enumerate(items)
    ]
    return Chart(width, max(row, row * len(items)), bars, True)


def vertical(items: list[tuple[str, int]], width: int = 640, height: int = 200, axis: int = 24) -> Chart:
    """One column per item (days of the week), labels below."""
    top = max([v for _, v in items] + [1])
    slot = width / max(len(items), 1)
    plot = height - axis - 16
    bars = []
    for i, (label, value) in enumerate(items):
        h = plot * value / top
        bars.append(Bar(label, value, i * slot + slot * 0.2, 16 + plot - h, slot * 0.6, h))
    return Chart(width, height, bars, False)
