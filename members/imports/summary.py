"""The human-readable summary of an import batch (commands, the UI, the closing log line)."""

from members.models import ImportBatch, ImportKind

from .formats.limits import CUT_LABELS

# (count key, Chinese label) in the order an operator reads them.
ORDER_LINES = [
    ("rows_read", "读取行数"), ("rows_rejected", "拒绝行数"),
    ("orders_created", "新增订单"), ("orders_updated", "更新订单"), ("orders_unchanged", "未变订单"),
    ("orders_stale", "其中较旧导出未覆盖"), ("orders_unlinked", "未关联到会员的订单"),
    ("lines_created", "新增明细"), ("lines_updated", "更新明细"), ("lines_unchanged", "未变明细"),
    ("lines_pending", "待订单到达的明细"), ("lines_attached", "补挂到订单的明细"),
]
MEMBER_LINES = [
    ("members_created", "新建会员"), ("members_matched", "关联到已有会员的行"), ("members_merged", "自动合并次数"),
    ("members_queued_for_review", "进入人工审核"), ("consents_recorded", "新增营销授权记录"),
]


def _count_lines(batch: ImportBatch) -> list[tuple[str, int]]:
    counts = batch.counts or {}
    wanted = MEMBER_LINES if batch.kind == ImportKind.MEMBERS else ORDER_LINES + MEMBER_LINES
    if batch.kind == ImportKind.MEMBERS:
        wanted = [("rows_read", "读取行数"), ("rows_rejected", "拒绝行数"), *wanted]
    return [(label, counts.get(key, 0)) for key, label in wanted if key in counts or key.startswith("rows_")]


def cut_lines(batch: ImportBatch) -> list[tuple[str, int]]:
    """("姓名超长已截断", rows) for each column whose long values were cut to fit (only those that were)."""
    counts = batch.counts or {}
    return [(label, counts[key]) for key, label in CUT_LABELS.items() if counts.get(key)]


def summary_lines(batch: ImportBatch) -> list[tuple[str, int]]:
    return _count_lines(batch) + [(f"{label}（行）", rows) for label, rows in cut_lines(batch)]


def summary_text(batch: ImportBatch) -> str:
    lines = [f"导入批次 #{batch.pk} {batch.file_name}（{batch.get_status_display()}）"]
    if batch.error_message:
        lines.append(f"原因: {batch.error_message}")
    lines += [f"  {label}: {value:,}" for label, value in _count_lines(batch)]
    lines += [f"  {label} {rows:,} 行" for label, rows in cut_lines(batch)]
    if batch.unknown_columns:
        lines.append(f"  忽略的列: {'、'.join(batch.unknown_columns)}")
    seconds = batch.duration_seconds
    rows = (batch.counts or {}).get("rows_read", 0)
    if seconds:
        lines.append(f"  用时: {seconds:.1f} 秒（{rows / seconds:,.0f} 行/秒）" if seconds > 0 else "")
    return "\n".join(lines)
