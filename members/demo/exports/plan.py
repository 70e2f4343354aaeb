"""The global part of an order stream: which buyer orders when (and how many lines)."""

from __future__ import annotations

import random

from .common import buyer_slots, schedule
from .goods import LINE_PICKER
from .population import Population

BLOCK = 20_000  # orders per block; each block draws from its own random stream


class Plan:
    """Who orders when, fixed up front (small ints only): the part of the stream that must be
    global. Everything else about an order is drawn block by block (`BLOCK` orders), each
    block from its own random stream, so blocks can be written by parallel workers."""

    block_size = BLOCK  # part of what the files look like: changing it changes the bytes

    def __init__(self, population: Population, channel: str, orders: int = 0, *, buyers: int | None = None,
                 rows: int | None = None, shop: bool = False):
        ids = getattr(population, channel)
        self.buyer_ids = ids if buyers is None else ids[:buyers]
        self.buyers = min(len(self.buyer_ids), orders if rows is None else rows)
        self.slots = buyer_slots(self.buyers)
        rng = random.Random(f"{population.seed}:{channel}-plan")
        if self.buyers == 0:
            self.packed: list[int] = []
        elif rows is None:
            self.packed = schedule(rng, self.buyers, orders, population.calendar, shop)
        else:
            self.packed = schedule(rng, self.buyers, 0, population.calendar, shop, LINE_PICKER, rows)

    @property
    def orders(self) -> int:
        return len(self.packed)

    @property
    def blocks(self) -> int:
        return -(-len(self.packed) // self.block_size)

    def positions(self, block: int) -> range:
        size = self.block_size
        return range(block * size, min((block + 1) * size, len(self.packed)))

    def lines(self, position: int) -> int:
        """File rows of the order at `position` (row-based plans; 0 for one-row-per-order plans)."""
        return self.packed[position] & 7

    def file_rows(self, positions) -> dict[int, range]:
        """Spreadsheet rows (header = row 1) of the orders at `positions`, for a row-per-line file."""
        wanted = sorted(positions)
        rows: dict[int, range] = {}
        row = 2
        index = 0
        for position, packed in enumerate(self.packed):
            if index == len(wanted):
                break
            lines = packed & 7
            if position == wanted[index]:
                rows[position] = range(row, row + lines)
                index += 1
            row += lines
        return rows
