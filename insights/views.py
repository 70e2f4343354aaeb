"""Staff pages of the value models: the list, and one model's tiers, migration and history."""

from django.shortcuts import get_object_or_404, render

from core.web import staff_page

from . import charts
from .models import ValueModel
from .selectors import model_page, models_overview

VIEW = "insights.view_valuemodel"


@staff_page(VIEW)
def models(request):
    return render(request, "insights/models.html", {"rows": models_overview()})


@staff_page(VIEW)
def model(request, code: str):
    page = model_page(get_object_or_404(ValueModel, code=code))
    matrix, columns = page.matrix if page.moves else ([], [])
    return render(request, "insights/model.html", {
        "page": page, "matrix": matrix, "columns": columns,
        "tier_chart": charts.tier_bars(page) if page.latest else "",
        "sankey": charts.moves_sankey(page), "history_chart": charts.tier_history(page),
        "holdout_chart": charts.holdout_chart(page)})
