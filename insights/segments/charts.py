"""Plotly figures of the segment page: each portrait dimension as shares beside the comparison, and
the nightly size history."""

from __future__ import annotations

import plotly.graph_objects as go

from ..charts import _html
from ..models import Segment
from .portrait import Portrait


def _shares(portrait: Portrait, labels: list[str], key: str) -> list[float]:
    rows = dict(portrait.dimension(key).rows) if portrait.dimension(key) else {}
    size = portrait.size or 1
    return [round(100 * rows.get(label, 0) / size, 1) for label in labels]


def portrait_charts(ours: Portrait, theirs: Portrait, against: str) -> list[tuple[str, str]]:
    """(title, figure HTML) per dimension: % of this segment's members beside % of the comparison's."""
    charts = []
    for dimension in ours.dimensions:
        labels = [label for label, _ in dimension.rows]
        figure = go.Figure([
            go.Bar(name="本人群", x=labels, y=_shares(ours, labels, dimension.key), marker_color="#c8102e",
                   customdata=[n for _, n in dimension.rows], hovertemplate="%{x}：%{y}%（%{customdata} 人）<extra></extra>"),
            go.Bar(name=against, x=labels, y=_shares(theirs, labels, dimension.key), marker_color="#adb5bd",
                   hovertemplate="%{x}：%{y}%<extra></extra>"),
        ])
        figure.update_layout(barmode="group", yaxis=dict(title="占比 %"), legend=dict(orientation="h", y=1.15),
                             title=dimension.title + ("（可多选，占比之和可超过100%）" if dimension.many else ""))
        charts.append((dimension.title, _html(figure, height=320)))
    return charts


def size_history(segment: Segment) -> str:
    sizes = list(segment.sizes.order_by("as_of").values_list("as_of", "members"))
    if len(sizes) < 2:
        return ""
    figure = go.Figure(go.Scatter(x=[d for d, _ in sizes], y=[n for _, n in sizes], mode="lines+markers",
                                  line=dict(color="#c8102e")))
    figure.update_layout(title="每日人数", yaxis=dict(rangemode="tozero"))
    return _html(figure, height=280)
