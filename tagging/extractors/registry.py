"""What an extractor (取值方式) of a variable tag is, its parameters, and the registry of them.

An extractor reads a member's orders in a window and names at most a few values per member —
set-based: `desired_sql` is one SELECT over every (or the given) active member at once, returning
(member_id, value, evidence). The refresh service (tagging/services/refresh.py) diffs that against
the memberships; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


class ExtractorError(ValueError):
    """Bad parameters; the message is Chinese and names the parameter."""


@dataclass(frozen=True)
class Param:
    """One parameter: `clean(value)` returns the normalized value or raises ValueError(Chinese reason)."""

    name: str
    label: str
    default: Any
    clean: Callable[[Any], Any]
    help: str = ""


class Extractor:
    """Subclasses set code, label, help, params (window_days among them) and write `query`."""

    code: str = ""
    label: str = ""
    help: str = ""
    params: tuple[Param, ...] = ()

    def validate(self, params: dict | None) -> dict:
        """`params` with defaults filled in and values normalized; unknown keys are refused."""
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise ExtractorError("取值参数必须是 JSON 对象，例如 {\"window_days\": 365}。")
        known = {param.name: param for param in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ExtractorError(f"参数 {unknown[0]}：「{self.label}」没有这个参数"
                                 f"（可用：{', '.join(known) or '无'}）。")
        cleaned = {}
        for name, param in known.items():
            if name not in params:
                cleaned[name] = param.default
                continue
            try:
                cleaned[name] = param.clean(params[name])
            except (ValueError, TypeError) as error:
                raise ExtractorError(f"参数 {name}（{param.label}）：{error}") from error
        return cleaned

    def desired_sql(self, tag, as_of: date, member_ids: list[int] | None) -> tuple[str, dict]:
        """One SELECT of (member_id bigint, value text, evidence jsonb) for `tag` as of `as_of`."""
        from .sql import Scope

        params = self.validate(tag.params)
        scope = Scope(as_of=as_of, window_days=params["window_days"], min_orders=tag.min_orders,
                      member_ids=member_ids)
        sql, extra = self.query(params, scope)
        return sql, {**scope.sql_params(), **extra}

    def query(self, params: dict, scope) -> tuple[str, dict]:
        """The SELECT and its own parameters (besides the scope's: active, paid_statuses, start, end,
        min_orders, ids)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Extractor {self.code}>"


class ExtractorRegistry:
    """Extractors by code, in registration order (the admin select lists them so)."""

    def __init__(self):
        self._items: dict[str, Extractor] = {}

    def register(self, extractor: Extractor) -> Extractor:
        self._items[extractor.code] = extractor  # registering again replaces: a second ready() is harmless
        return extractor

    def get(self, code: str | None) -> Extractor | None:
        return self._items.get(code or "")

    def all(self) -> list[Extractor]:
        return list(self._items.values())

    def choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.label) for item in self._items.values()]


extractors = ExtractorRegistry()
