"""The 经营看板's plotly figures, each drawn from one of the selector's tables (selectors.Table).

A figure whose bars narrow the view carries the URL value of each bar in `customdata`; the template
names the query parameter it sets (dashboard.js).
"""

from __future__ import annotations

from collections import defaultdict

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..charts import PALETTE, figure_html, moves_sankey
from ..selectors import ModelPage
from .selectors import Dashboard, Table


def _by_channel(table: Table, months: list[str], column: int, title: str, unit: str) -> str:
    """Stacked monthly bars, one trace per channel (the channel code is the row's last cell)."""
    series: dict[tuple[str, str], dict[str, object]] = defaultdict(dict)
    for row in table.rows:
        series[(row[1], row[-1])][row[0]] = row[column]
    figure = go.Figure([
        go.Bar(name=name, x=months, y=[values.get(m, 0) for m in months], customdata=[code] * len(months),
               marker_color=PALETTE[i % len(PALETTE)], hovertemplate=f"%{{x}} {name}：%{{y:,}} {unit}<extra></extra>")
        for i, ((name, code), values) in enumerate(series.items())])
    figure.update_layout(title=title, barmode="stack", legend=dict(orientation="h", y=-0.15),
                         xaxis=dict(type="category"))
    return figure_html(figure)


def sales(dashboard: Dashboard) -> str:
    return _by_channel(dashboard.tables["sales"], _month_labels(dashboard), 3, "实付净额（元，按月、订单渠道）", "元")


def orders(dashboard: Dashboard) -> str:
    return _by_channel(dashboard.tables["sales"], _month_labels(dashboard), 2, "订单数（按月、订单渠道）", "单")


def new_members(dashboard: Dashboard) -> str:
    return _by_channel(dashboard.tables["new_members"], _month_labels(dashboard), 2, "新会员（按月、注册渠道）", "人")


def _month_labels(dashboard: Dashboard) -> list[str]:
    return [f"{month:%Y-%m}" for month in dashboard.months]


def breakdown_sales(dashboard: Dashboard) -> str:
    table = dashboard.tables["breakdown"]
    names, keys = [r[0] for r in table.rows], [r[-1] for r in table.rows]
    figure = go.Figure(go.Bar(x=names, y=[r[8] for r in table.rows], customdata=keys, marker_color=PALETTE[0],
                              text=[f"{r[8]:,.0f}" for r in table.rows], textposition="auto",
                              hovertemplate="%{x}：%{y:,.2f} 元<extra></extra>"))
    figure.update_layout(title=f"实付净额（元，{table.title}，点击下钻）")
    return figure_html(figure)


def breakdown_rates(dashboard: Dashboard) -> str:
    table = dashboard.tables["breakdown"]
    names, keys = [r[0] for r in table.rows], [r[-1] for r in table.rows]
    figure = go.Figure([
        go.Bar(name="活跃率（近90天有订单）", x=names, y=[r[3] or 0 for r in table.rows], customdata=keys,
               marker_color=PALETTE[4], hovertemplate="%{x}：%{y}%<extra>活跃率</extra>"),
        go.Bar(name="复购率（近365天≥2单 ÷ 购买会员）", x=names, y=[r[6] or 0 for r in table.rows], customdata=keys,
               marker_color=PALETTE[3], hovertemplate="%{x}：%{y}%<extra>复购率</extra>")])
    figure.update_layout(title=f"活跃率与复购率（%，{table.title}，点击下钻）", barmode="group",
                         legend=dict(orientation="h", y=-0.15))
    return figure_html(figure)


def points(dashboard: Dashboard) -> str:
    table = dashboard.tables["points"]
    types = list(dict.fromkeys(r[1] for r in table.rows))
    if not types:
        return ""
    months = _month_labels(dashboard)
    figure = make_subplots(rows=len(types), cols=1, subplot_titles=types, shared_xaxes=True)
    for row_no, name in enumerate(types, start=1):
        per_month = {r[0]: r for r in table.rows if r[1] == name}
        for column, (label, color) in enumerate((("发放", PALETTE[3]), ("兑换", PALETTE[4]), ("过期", PALETTE[6])),
                                                start=2):
            figure.add_trace(go.Bar(name=label, x=months, y=[per_month[m][column] if m in per_month else 0
                                                             for m in months],
                                    marker_color=color, legendgroup=label, showlegend=row_no == 1), row=row_no, col=1)
    figure.update_layout(title="积分发放 / 兑换 / 过期（按月）", barmode="group", legend=dict(orientation="h", y=-0.1))
    figure.update_xaxes(type="category")
    return figure_html(figure, height=160 + 220 * len(types))


def levels(dashboard: Dashboard) -> str:
    table = dashboard.tables["levels"]
    if not table.rows:
        return ""
    figure = go.Figure()
    for i, scheme in enumerate(dict.fromkeys(r[0] for r in table.rows)):
        rows = [r for r in table.rows if r[0] == scheme]
        figure.add_trace(go.Bar(name=scheme, x=[r[1] for r in rows], y=[r[2] for r in rows],
                                marker_color=PALETTE[i % len(PALETTE)], text=[f"{r[2]:,}" for r in rows],
                                textposition="auto"))
    figure.update_layout(title="等级分布（会员数）", legend=dict(orientation="h", y=-0.15))
    return figure_html(figure)


def rfm(dashboard: Dashboard) -> str:
    table = dashboard.tables.get("rfm")
    if table is None:
        return ""
    names = [r[0] for r in table.rows]
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, subplot_titles=("会员数", "近365天实付净额（元）"))
    figure.add_trace(go.Bar(y=names, x=[r[1] for r in table.rows], orientation="h", marker_color=PALETTE[4],
                            text=[f"{r[1]:,}" for r in table.rows], textposition="auto", showlegend=False), 1, 1)
    figure.add_trace(go.Bar(y=names, x=[r[2] for r in table.rows], orientation="h", marker_color=PALETTE[0],
                            text=[f"{r[2]:,.0f}" for r in table.rows], textposition="auto", showlegend=False,
                            customdata=[r[3] for r in table.rows],
                            hovertemplate="%{y}：%{x:,.2f} 元，人均 %{customdata:,.2f} 元<extra></extra>"), 1, 2)
    figure.update_layout(title=table.title, yaxis=dict(autorange="reversed"))
    return figure_html(figure, height=100 + 34 * len(names))


def pyramid(dashboard: Dashboard) -> str:
    table = dashboard.tables.get("value")
    if table is None:
        return ""
    figure = go.Figure(go.Funnel(y=[r[0] for r in table.rows], x=[r[1] for r in table.rows],
                                 marker=dict(color=PALETTE[: len(table.rows)]), textinfo="value+percent total",
                                 customdata=[r[2] for r in table.rows],
                                 hovertemplate="%{y}：%{x:,} 人，近365天实付 %{customdata:,.2f} 元<extra></extra>"))
    figure.update_layout(title=f"{table.title}金字塔")
    return figure_html(figure, height=120 + 48 * len(table.rows))


def migration(dashboard: Dashboard) -> str:
    """The value model's (else the RFM model's) moves on the snapshot date, through the model page's Sankey."""
    table = dashboard.tables.get("moves")
    tier_model = dashboard.value or dashboard.rfm
    if not table or not table.rows:
        return ""
    page = ModelPage(tier_model.model, tier_model.tiers, latest=None, history=[],
                     moves=[(r[3], r[4], r[2]) for r in table.rows])
    return moves_sankey(page)
