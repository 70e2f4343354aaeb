"""A bench's own checks: each is printed as it is made, and a bench with a failed check exits
non-zero, so a run whose data or result is wrong cannot pass for a measurement.

    checks = BenchChecks()
    checks.expect(after == before, "re-import changed nothing", f"before {before}, after {after}")
    ...
    return checks.exit_code()   # main() → sys.exit(main())
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class BenchChecks:
    failures: list[str] = field(default_factory=list)
    passed: int = 0

    def expect(self, ok: bool, what: str, detail: str = "") -> bool:
        """Record the check `what` (a statement that should hold); `detail` says what was seen."""
        suffix = f" ({detail})" if detail else ""
        if ok:
            self.passed += 1
            print(f"check ok: {what}{suffix}", flush=True)
        else:
            self.failures.append(f"{what}{suffix}")
            print(f"CHECK FAILED: {what}{suffix}", file=sys.stderr, flush=True)
        return ok

    def exit_code(self) -> int:
        """0 when every check held; otherwise 1, after listing the failed checks on stderr."""
        if not self.failures:
            print(f"all {self.passed} checks held", flush=True)
            return 0
        print(f"\n{len(self.failures)} bench check(s) FAILED — the figures above do not count:", file=sys.stderr)
        for failure in self.failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
