"""Plotly figures of the segment page: each portrait dimension as shares beside the comparison, and
the nightly size history."""

from __future__ import annotations

import plotly.graph_objects as go

from ..charts import figure_html
from ..models import Segment
from .compare import ComparedDimension


def portrait_charts(compared: list[ComparedDimension], against: str) -> list[tuple[str, str]]:
    """(title, figure HTML) per dimension: % of this segment's members beside % of the comparison's,
    over the values either side has."""
    charts = []
    for dimension in compared:
        labels = [row.label for row in dimension.rows]
        figure = go.Figure([
            go.Bar(name="本人群", x=labels, y=[row.left_share for row in dimension.rows], marker_color="#c8102e",
                   customdata=[row.left for row in dimension.rows],
                   hovertemplate="%{x}：%{y}%（%{customdata} 人）<extra></extra>"),
            go.Bar(name=against, x=labels, y=[row.right_share for row in dimension.rows], marker_color="#adb5bd",
                   customdata=[row.right for row in dimension.rows],
                   hovertemplate="%{x}：%{y}%（%{customdata} 人）<extra></extra>"),
        ])
        figure.update_layout(barmode="group", yaxis=dict(title="占比 %", rangemode="tozero"),
                             title=dict(text=dimension.title, x=0, y=0.97),
                             legend=dict(orientation="h", x=1, xanchor="right", y=1.12))
        charts.append((dimension.title, figure_html(figure, height=320)))
    return charts


def size_history(segment: Segment) -> str:
    sizes = list(segment.sizes.order_by("as_of").values_list("as_of", "members"))
    if len(sizes) < 2:
        return ""
    figure = go.Figure(go.Scatter(x=[d for d, _ in sizes], y=[n for _, n in sizes], mode="lines+markers",
                                  line=dict(color="#c8102e")))
    figure.update_layout(title="每日人数", yaxis=dict(rangemode="tozero"))
    return figure_html(figure, height=280)
