"""CPU seconds a bench step used, split into the child process it ran and everything else.

Wall time on this shared 2-core machine moves with the neighbours; CPU time moves much less,
and it bounds what any schedule could reach: a step that needs C CPU-seconds cannot finish in
under C / cores seconds, however well its parts overlap. `/proc/stat` counts the whole
machine (this VM), so "everything else" is the PostgreSQL server plus whatever else ran —
measure with nothing else running.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuUse:
    child: float  # CPU seconds of the waited-for child processes (the import)
    rest: float  # every other process on the machine (the database server)
    steal: float  # time the hypervisor gave our vCPUs to someone else

    @property
    def total(self) -> float:
        return self.child + self.rest

    def floor(self) -> float:
        """The shortest wall time this much CPU allows on this machine's cores, with perfect overlap."""
        return self.total / (os.cpu_count() or 1)

    def describe(self) -> str:
        return (f"CPU {self.total:.1f} s (this process {self.child:.1f} s, server and rest {self.rest:.1f} s), "
                f"steal {self.steal:.1f} s")


class CpuMeter:
    """`with CpuMeter() as meter: run the child` → `meter.use`."""

    def __enter__(self) -> CpuMeter:
        self._busy, self._steal = _machine_busy()
        self._child = _children_cpu()
        return self

    def __exit__(self, *exc) -> None:
        busy, steal = _machine_busy()
        child = _children_cpu() - self._child
        self.use = CpuUse(child=child, rest=max(busy - self._busy - child, 0.0), steal=steal - self._steal)
