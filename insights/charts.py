"""Plotly figures of the insights pages, as HTML fragments (plotly.js is served once by core)."""

from __future__ import annotations

import plotly.graph_objects as go

FONT = dict(family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif", size=13)
PALETTE = ["#c8102e", "#e8590c", "#f59f00", "#2f9e44", "#1c7ed6", "#7048e8", "#868e96", "#495057", "#adb5bd"]


def figure_html(figure: go.Figure, height: int = 360) -> str:
    figure.update_layout(font=FONT, height=height, margin=dict(l=40, r=20, t=40, b=40),
                         paper_bgcolor="white", plot_bgcolor="white")
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})


def tier_bars(page) -> str:
    sizes = page.latest.tier_sizes if page.latest else {}
    names = [t.name for t in page.tiers]
    values = [sizes.get(t.code, 0) for t in page.tiers]
    figure = go.Figure(go.Bar(x=values, y=names, orientation="h", marker_color=PALETTE[: len(names)],
                              text=[f"{v:,}" for v in values], textposition="auto"))
    figure.update_layout(title="各分层人数", yaxis=dict(autorange="reversed"))
    return figure_html(figure, height=80 + 36 * len(names))


def moves_sankey(page) -> str:
    """Where the members who changed tier came from and went to, into the latest run."""
    if not page.moves:
        return ""
    codes = ["", *(t.code for t in page.tiers)]
    left = {code: i for i, code in enumerate(codes)}
    right = {code: len(codes) + i for i, code in enumerate(codes)}
    labels = [f"上次·{page.tier_name(c)}" for c in codes] + [f"本次·{page.tier_name(c)}" for c in codes]
    figure = go.Figure(go.Sankey(
        node=dict(label=labels, pad=14, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))]),
        link=dict(source=[left[a] for a, _, _ in page.moves], target=[right[b] for _, b, _ in page.moves],
                  value=[n for _, _, n in page.moves])))
    figure.update_layout(title=f"分层迁移（较上次运行，{page.moved:,} 人变化）")
    return figure_html(figure, height=420)


def tier_history(page) -> str:
    if len(page.history) < 2:
        return ""
    dates = [run.as_of for run in page.history]
    figure = go.Figure([go.Scatter(x=dates, y=[run.tier_sizes.get(t.code, 0) for run in page.history],
                                   name=t.name, mode="lines+markers") for t in page.tiers])
    figure.update_layout(title="各分层人数变化", legend=dict(orientation="h"))
    return figure_html(figure)


def holdout_chart(page) -> str:
    """CLV: mean repeat purchases in the holdout, predicted beside actual, per calibration frequency."""
    holdout = (page.latest.summary or {}).get("holdout") if page.latest else None
    if not holdout or not holdout.get("by_frequency"):
        return ""
    rows = holdout["by_frequency"]
    labels = [f"{row['frequency']}次（{row['members']:,}人）" for row in rows]
    figure = go.Figure([go.Bar(name="实际", x=labels, y=[row["actual"] for row in rows], marker_color="#495057"),
                        go.Bar(name="模型预测", x=labels, y=[row["predicted"] for row in rows], marker_color="#c8102e")])
    figure.update_layout(barmode="group", title=f"留出期 {holdout['days']} 天的人均复购天数：预测 vs 实际",
                         xaxis=dict(title="留出期前的复购次数"), legend=dict(orientation="h", x=1, xanchor="right", y=1.12))
    return figure_html(figure)
