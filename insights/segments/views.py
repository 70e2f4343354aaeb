"""Staff pages of segments: the list, the visual builder, and a segment's portrait with comparison,
size history, snapshot and export."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header

from core.web import staff_page
from members.conditions.compiler import set_based_session

from ..errors import InsightsError
from ..models import Segment, SegmentSize
from . import charts
from .compare import compare
from .export import DEFAULT_COLUMNS, available_columns, csv_chunks, export_segment, xlsx_bytes
from .portrait import portrait
from .services import save_segment, segment_members, take_snapshot

VIEW, CHANGE, EXPORT = "insights.view_segment", "insights.change_segment", "insights.export_segment"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SegmentForm(forms.Form):
    name = forms.CharField(label="人群名称", max_length=64)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    condition = forms.JSONField(label="条件", widget=forms.Textarea(attrs={"hidden": "hidden"}))
    active = forms.BooleanField(label="每日记录人数", required=False, initial=True)


@staff_page(VIEW)
def segment_list(request):
    latest = SegmentSize.objects.filter(segment=OuterRef("pk")).order_by("-as_of")
    segments = (Segment.objects.select_related("owner").order_by("name")
                .annotate(size=Subquery(latest.values("members")[:1]), size_date=Subquery(latest.values("as_of")[:1])))
    return render(request, "insights/segments/list.html", {"segments": segments})


@staff_page(CHANGE)
def segment_edit(request, pk=None):
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    initial = ({"name": segment.name, "description": segment.description, "condition": segment.condition,
                "active": segment.active} if segment else {"condition": {"all": []}, "active": True})
    form = SegmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_segment(segment=segment, owner=request.user, **form.cleaned_data)
        except InsightsError as error:
            for message in error.errors:
                form.add_error(error.field or None, message)
        else:
            messages.success(request, f"已保存人群「{saved.name}」。")
            return redirect("insights:segment", pk=saved.pk)
    return render(request, "insights/segments/edit.html", {"form": form, "segment": segment})


@staff_page(VIEW)
def segment_detail(request, pk):
    segment = get_object_or_404(Segment, pk=pk)
    against = request.GET.get("compare", "all")
    other = Segment.objects.filter(pk=int(against)).first() if against.isdigit() else None
    with set_based_session():
        ours = portrait(segment_members(segment))
        theirs = portrait(segment_members(other)) if other else portrait(None)
    compared = compare(ours, theirs)
    return render(request, "insights/segments/detail.html", {
        "segment": segment, "portrait": ours, "compared": compared,
        "against": other.name if other else "全部会员", "against_value": against,
        "others": Segment.objects.exclude(pk=segment.pk).order_by("name"),
        "charts": charts.portrait_charts(compared, other.name if other else "全部会员"),
        "history": charts.size_history(segment), "columns": available_columns(), "default_columns": DEFAULT_COLUMNS,
        "may_export": request.user.has_perm(EXPORT), "snapshots": segment.snapshots.order_by("-taken_at")[:10]})


@staff_page(CHANGE)
def segment_snapshot(request, pk):
    segment = get_object_or_404(Segment, pk=pk)
    if request.method == "POST":
        snapshot = take_snapshot(segment, purpose=request.POST.get("purpose", ""), user=request.user)
        messages.success(request, f"已保存快照：{snapshot.members:,} 人（{snapshot.as_of}）。")
    return redirect("insights:segment", pk=pk)


@staff_page(VIEW)
def segment_export(request, pk):
    if not request.user.has_perm(EXPORT):
        raise PermissionDenied
    segment = get_object_or_404(Segment, pk=pk)
    if request.method != "POST":
        return redirect("insights:segment", pk=pk)
    try:
        exported = export_segment(segment, user=request.user, columns=request.POST.getlist("columns"),
                                  file_format=request.POST.get("format", "csv"))
    except InsightsError as error:
        messages.error(request, str(error))
        return redirect("insights:segment", pk=pk)
    disposition = content_disposition_header(True, exported.filename)
    if exported.filename.endswith(".xlsx"):
        response = HttpResponse(xlsx_bytes(exported.rows), content_type=XLSX)
    else:
        response = StreamingHttpResponse(csv_chunks(exported.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = disposition
    return response
