"""Staff pages: the points liability report (积分负债报表) with CSV / XLSX downloads."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.web import staff_page

from .reports import SECTIONS, tables, to_csv, to_xlsx
from .selectors import liability_report

VIEW = "loyalty.view_liability_report"  # finance data: 管理员 and 财务 (loyalty/roles.py)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@staff_page(VIEW)
def liability(request):
    report = liability_report()
    stamp = f"{timezone.localtime(report.generated_at):%Y%m%d-%H%M}"
    file_format = request.GET.get("format", "")
    if file_format == "xlsx":
        return _download(to_xlsx(tables(report), generated=stamp), XLSX, f"积分负债报表-{stamp}.xlsx")
    if file_format == "csv":
        section = request.GET.get("section", "outstanding")
        if section not in SECTIONS:
            raise Http404("没有这个报表部分。")
        return _download(to_csv(tables(report)[section]), "text/csv; charset=utf-8",
                         f"积分负债-{SECTIONS[section]}-{stamp}.csv")
    if file_format:
        raise Http404("只支持 csv 或 xlsx 导出。")
    return render(request, "loyalty/liability.html", {"report": report, "sections": SECTIONS})
