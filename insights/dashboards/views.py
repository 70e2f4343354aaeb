"""The 经营看板 page: figures from the selectors, drawn with plotly; each chart's numbers as CSV."""

from dataclasses import replace

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from core.web import staff_page
from loyalty.reports import to_csv
from members.scope import sees_all, staff_stores

from . import charts
from .filters import LEVEL_NAMES, Filters
from .selectors import dashboard, latest_date

# 管理员 and 运营 (insights/roles.py) see every place; store guides and managers (workspace/roles.py)
# only the figures of the stores they work in (members/scope.py).
VIEW = "insights.view_dashboard"


def _store_scope(user) -> tuple[int, ...] | None:
    if sees_all(user):
        return None
    stores = tuple(sorted(a.store_id for a in staff_stores(user)))
    if not stores:
        raise Http404("您还没有分配门店：请管理员在「门店员工」中添加，之后可查看本店的经营看板。")
    return stores


@staff_page(VIEW)
def overview(request):
    latest = latest_date()
    filters = replace(Filters.from_query(request.GET, latest), stores=_store_scope(request.user))
    data = dashboard(filters, latest)
    if "csv" in request.GET:
        return _csv(data, request.GET["csv"])
    figures = {name: draw(data) for name, draw in (
        ("sales", charts.sales), ("orders", charts.orders), ("new_members", charts.new_members),
        ("breakdown_sales", charts.breakdown_sales), ("breakdown_rates", charts.breakdown_rates),
        ("points", charts.points), ("levels", charts.levels), ("rfm", charts.rfm), ("pyramid", charts.pyramid),
        ("migration", charts.migration))} if latest else {}
    return render(request, "insights/dashboards/overview.html", {
        "d": data, "figures": figures, "query": filters.query_string(),
        "next_level": filters.next_level, "next_level_name": LEVEL_NAMES.get(filters.next_level or "", "")})


def _csv(data, chart: str) -> HttpResponse:
    table = data.tables.get(chart)
    if table is None:
        raise Http404("没有这个图表。")
    response = HttpResponse(to_csv(table.as_rows()), content_type="text/csv; charset=utf-8")
    stamp = f"{data.snapshot or data.filters.end:%Y%m%d}"
    response["Content-Disposition"] = content_disposition_header(True, f"经营看板-{table.title}-{stamp}.csv")
    return response
