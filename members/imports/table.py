"""The shape every opened file takes: a header row and a single-pass stream of text rows.

Shared by the CSV reader (`readers`) and the workbook reader (`xlsx_table`), which both build on it.
"""

from __future__ import annotations

import io
import operator
import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from members.cleaning import strip_export_quirks

Row = tuple[int, dict[str, str]]


class Table:
    """A file's header row and a single-pass stream of its data rows."""

    headers: list[str]
    filename: str
    _positions: list[int]  # the file column each header came from
    _started = False  # rows() has begun its one pass

    def rows(self, columns: Iterable[str] | None = None) -> Iterator[Row]:
        """(spreadsheet row number, {header: raw text}); fully blank rows are skipped.

        `columns` limits each dict to those headers: a format that reads 15 of a
        report's 46 columns then builds 15-entry dicts (see formats.parse_table).
        """
        raise NotImplementedError

    def fraction_done(self) -> float | None:
        """How far `rows()` has got, 0..1, or None when the size is unknown."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _begin_pass(self, columns: Iterable[str] | None) -> _Selection:
        """The selection for the one pass `rows()` makes: a table streams its file once."""
        if self._started:
            raise RuntimeError("Table.rows() streams the file once")
        self._started = True
        return self._selection(columns)

    def _selection(self, columns: Iterable[str] | None) -> _Selection:
        if columns is None:
            return _Selection(self.headers, self._positions)
        names = list(dict.fromkeys(columns))
        index = {header: position for header, position in zip(self.headers, self._positions, strict=True)}
        unknown = [name for name in names if name not in index]
        if unknown:
            raise KeyError(f"no such headers in {self.filename}: {unknown}")
        return _Selection(names, [index[name] for name in names])


class _Selection:
    """The headers a row dict gets and a fast way to pick their cells from a row."""

    def __init__(self, names: list[str], positions: list[int]):
        self.names = names
        self.width = max(positions, default=-1) + 1
        if len(positions) == 1:
            (only,) = positions
            self.pick = lambda cells: (cells[only],)
        elif positions:
            self.pick = operator.itemgetter(*positions)
        else:
            self.pick = lambda cells: ()

    def padded(self, cells) -> tuple:
        """The picked cells of a short row: missing trailing cells are empty."""
        return self.pick(list(cells) + [""] * (self.width - len(cells)))


def size_of(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end
    except (AttributeError, OSError):
        return getattr(stream, "size", None)


def share(done: int, total: int | None) -> float | None:
    """done / total, at most 1; None when the total is unknown."""
    return min(done / total, 1.0) if total else None


def normalize_headers(cells: list[str]) -> tuple[list[str], list[int]]:
    """Clean header names and give repeated ones a "(2)" suffix.

    Returns the headers and the column index each came from; columns with an empty
    header are dropped (nothing can refer to them by name).
    """
    headers: list[str] = []
    positions: list[int] = []
    seen: set[str] = set()
    for position, cell in enumerate(cells):
        header = strip_export_quirks(cell).replace("\t", "").strip()
        if not header:
            continue
        name, copy = header, 1
        while name in seen:
            copy += 1
            name = f"{header}({copy})"
        seen.add(name)
        headers.append(name)
        positions.append(position)
    return headers, positions
