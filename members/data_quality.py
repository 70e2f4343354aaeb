"""Data-quality report: how each channel's raw profile values fared in cleaning.

For every field: missing (the channel sent nothing), invalid (sent something that
cleaning rejected), standardized (cleaning changed it: +86 prefix, 沪 → 上海市, …),
clean (kept as sent). Reads the raw values kept on each channel account.
"""

from collections import Counter, defaultdict

from members.models import SourceProfile

FIELDS = ("name", "gender", "birthday", "mobile", "email", "province", "city", "district", "address")
OUTCOMES = ("missing", "invalid", "standardized", "clean")


def _outcome(field: str, raw: str, cleaned) -> str:
    raw = (raw or "").strip()
    if not raw:
        return "missing"
    if field == "mobile" and not cleaned[0] and cleaned[1]:
        return "standardized" if raw != cleaned[1] else "clean"  # masked: kept for display only
    value = cleaned[0] if field == "mobile" else cleaned
    if value in (None, "", "U") and not (field == "gender" and raw.upper() == "U"):
        return "invalid"
    return "clean" if str(value) == raw else "standardized"


def data_quality_report(chunk_size: int = 5000) -> dict[str, dict[str, Counter]]:
    """{channel: {field: Counter(outcome → n)}} over all channel accounts."""
    report: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    rows = SourceProfile.objects.values_list("channel", "raw", *[f for f in FIELDS if f != "mobile"], "mobile", "mobile_masked")
    for row in rows.iterator(chunk_size=chunk_size):
        channel, raw, *values = row
        cleaned = dict(zip([f for f in FIELDS if f != "mobile"], values[:-2], strict=True))
        cleaned["mobile"] = (values[-2], values[-1])
        for field in FIELDS:
            report[channel][field][_outcome(field, (raw or {}).get(field, ""), cleaned[field])] += 1
    return report
