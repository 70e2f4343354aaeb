"""Put a static tag on (or take it off) the members listed in an uploaded CSV/XLSX file.

The file lists members by 会员编号 and/or 手机号, one a row. Every row is checked first and all
the problems come back as a row-level report (row, column, value, reason); the tag is applied
only when no row is bad, so a file is never half-applied.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from members.cleaning import normalize_mobile
from members.cleaning.phones import OK
from members.imports.readers import open_table
from members.imports.rows import ImportFileError
from members.models import Member, MemberStatus
from tagging.models import Tag

from .errors import TaggingError
from .static import check_may_apply, put_on, take_off

CODE_HEADERS = ("会员编号", "会员码", "member_code", "code")
MOBILE_HEADERS = ("手机号", "手机", "mobile")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class FileRowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class TagFileResult:
    rows: int = 0
    changed: int = 0
    errors: list[FileRowError] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.errors


def _column(headers: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {header.strip().lower(): header for header in headers}
    return next((lowered[name.lower()] for name in names if name.lower() in lowered), None)


def _read(source, filename: str) -> tuple[list[tuple[int, str, str]], str | None, str | None]:
    """(row number, code, mobile) per row, and the two column headers found."""
    try:
        with open_table(source, filename=filename) as table:
            code_col, mobile_col = _column(table.headers, CODE_HEADERS), _column(table.headers, MOBILE_HEADERS)
            if code_col is None and mobile_col is None:
                raise TaggingError("文件需要「会员编号」或「手机号」列。")
            rows = []
            for number, cells in table.rows([c for c in (code_col, mobile_col) if c]):
                rows.append((number, (cells.get(code_col) or "").strip(), (cells.get(mobile_col) or "").strip()))
                if len(rows) > MAX_ROWS:
                    raise TaggingError(f"文件超过 {MAX_ROWS:,} 行，请拆分后再上传。")
            return rows, code_col, mobile_col
    except ImportFileError as error:
        raise TaggingError(str(error)) from error


def _member_ids(rows, code_col, mobile_col) -> tuple[list[int], list[FileRowError]]:
    codes = {code for _, code, _ in rows if code}
    by_code = {m["code"]: m for m in Member.objects.filter(code__in=codes).values("pk", "code", "status",
                                                                                   "merged_into__code")}
    mobiles = {number: normalize_mobile(number) for _, _, number in rows if number}
    by_mobile: dict[str, list[int]] = {}
    for pk, mobile in Member.objects.filter(status=MemberStatus.ACTIVE, mobile__in={
            phone.e164 for phone in mobiles.values() if phone.status == OK}).values_list("pk", "mobile"):
        by_mobile.setdefault(mobile, []).append(pk)

    ids, errors = [], []
    for number, code, mobile in rows:
        found = []
        if code:
            member = by_code.get(code)
            if member is None:
                errors.append(FileRowError(number, code_col, code, "找不到该会员编号"))
            elif member["status"] == MemberStatus.MERGED:
                errors.append(FileRowError(number, code_col, code, f"会员已合并到 {member['merged_into__code']}"))
            elif member["status"] != MemberStatus.ACTIVE:
                errors.append(FileRowError(number, code_col, code, "会员已删除"))
            else:
                found.append(member["pk"])
        if mobile:
            phone = mobiles[mobile]
            matches = by_mobile.get(phone.e164, []) if phone.status == OK else []
            if phone.status != OK:
                errors.append(FileRowError(number, mobile_col, mobile, "手机号无效"))
            elif not matches:
                errors.append(FileRowError(number, mobile_col, mobile, "找不到该手机号的会员"))
            elif len(matches) > 1:
                errors.append(FileRowError(number, mobile_col, mobile, "该手机号对应多个会员，请改用会员编号"))
            elif found and found[0] != matches[0]:
                errors.append(FileRowError(number, mobile_col, mobile, "手机号与会员编号不是同一会员"))
            else:
                found = matches
        if not code and not mobile:
            errors.append(FileRowError(number, code_col or mobile_col, "", "会员编号和手机号都为空"))
        ids += found[:1]
    return ids, errors


def apply_tag_file(*, tag: Tag, source, filename: str, actor=None, reason: str = "", ends_on: date | None = None,
                   remove: bool = False) -> TagFileResult:
    """Check every row; apply the tag to all of them only when none is bad."""
    check_may_apply(actor, tag)
    rows, code_col, mobile_col = _read(source, filename)
    ids, errors = _member_ids(rows, code_col, mobile_col)
    result = TagFileResult(rows=len(rows), errors=errors)
    if errors:
        return result
    if not rows:
        raise TaggingError("文件中没有会员。")
    with transaction.atomic():
        if remove:
            result.changed = take_off(tag=tag, member_ids=ids, actor=actor, reason=reason)
        else:
            result.changed = put_on(tag=tag, member_ids=ids, actor=actor, reason=reason, ends_on=ends_on)
    return result
