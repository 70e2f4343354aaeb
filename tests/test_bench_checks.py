"""The benches' own checks decide their exit status: a bench whose check fails must exit non-zero
with a message, not print `False` and exit 0. Checked on the check functions each bench calls,
with no database and no big run."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench import import_throughput, levels_review, loyalty_ledger
from bench.checks import BenchChecks

ROOT = Path(__file__).resolve().parent.parent


def test_a_failed_check_makes_the_exit_code_1_and_names_the_check(capsys):
    # given a bench with one check that held and one that did not
    checks = BenchChecks()
    checks.expect(True, "first import made every order")
    checks.expect(False, "re-import changed nothing", "orders 10 → 11")

    # when the bench asks for its exit code
    code = checks.exit_code()

    # then it is 1 and stderr names the failed check with what was seen
    assert code == 1
    err = capsys.readouterr().err
    assert "re-import changed nothing (orders 10 → 11)" in err
    assert "first import made every order" not in err


def test_every_check_holding_makes_the_exit_code_0():
    checks = BenchChecks()
    checks.expect(True, "a")
    checks.expect(1 + 1 == 2, "b")

    assert checks.exit_code() == 0


def test_a_script_ending_with_the_exit_code_exits_non_zero_on_a_failed_check():
    # given the way every bench ends: sys.exit(main()) with main() returning checks.exit_code()
    script = ("import sys\nfrom bench.checks import BenchChecks\nchecks = BenchChecks()\n"
              "checks.expect(False, 'verify_ledger after earn/redeem: no mismatch', '3 mismatches')\n"
              "sys.exit(checks.exit_code())\n")

    # when it runs as a process
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)

    # then the process fails and says why
    assert done.returncode == 1
    assert "CHECK FAILED: verify_ledger after earn/redeem: no mismatch (3 mismatches)" in done.stderr


# --- import bench


COUNTS = {"orders": 211999, "members": 65066, "merged": 0, "order_updated_max": "2026-12-07T01:36:32+00:00"}


def test_import_bench_fails_when_the_reimport_changed_the_database():
    checks = BenchChecks()

    import_throughput.check_reimport_unchanged(checks, COUNTS, {**COUNTS, "order_updated_max": "2026-12-07T01:40:00+00:00"})

    assert checks.exit_code() == 1


def test_import_bench_passes_when_the_reimport_changed_nothing():
    checks = BenchChecks()

    import_throughput.check_reimport_unchanged(checks, COUNTS, dict(COUNTS))

    assert checks.exit_code() == 0


def test_import_bench_fails_when_the_baseline_updated_orders_already_there():
    # given django-import-export run on a database our import had filled (the old set-up):
    # every row an update, nothing inserted
    checks = BenchChecks()
    result = {"seconds": 60.0, "rows": 20000, "new": 0, "update": 20000}

    import_throughput.check_baseline_inserted(checks, 20000, 211999, result, 211999)

    assert checks.exit_code() == 1


def test_import_bench_passes_when_the_baseline_inserted_every_row_into_an_empty_database():
    checks = BenchChecks()
    result = {"seconds": 60.0, "rows": 20000, "new": 20000, "update": 0}

    import_throughput.check_baseline_inserted(checks, 20000, 0, result, 20000)

    assert checks.exit_code() == 0


def test_import_bench_fails_when_the_two_sides_made_different_orders():
    checks = BenchChecks()

    import_throughput.check_same_orders(checks, 19999, 20000)

    assert checks.exit_code() == 1


def test_first_rows_file_copies_the_header_and_the_first_records_byte_for_byte(tmp_path):
    # given a GB18030 report whose second record has a quoted field spanning two lines
    lines = ['订单编号,收货地址\r\n', '="1",北京\r\n', '="2","上海\r\n浦东"\r\n', '="3",广州\r\n']
    source = tmp_path / "ExportOrderList.csv"
    source.write_bytes("".join(lines).encode("gb18030"))

    # when the first two records are taken
    target = import_throughput.first_rows_file(source, 2, tmp_path)

    # then the copy is the header and exactly those two records, unchanged
    assert target.read_bytes() == "".join(lines[:3]).encode("gb18030")


# --- loyalty ledger bench


def test_ledger_bench_fails_when_verify_ledger_finds_a_mismatch():
    checks = BenchChecks()

    loyalty_ledger.check_ledger_verified(checks, "after expire_lots", {"ok": False, "mismatches": 2, "first": ["x"]})

    assert checks.exit_code() == 1


def test_ledger_bench_fails_when_a_worker_call_failed():
    checks = BenchChecks()

    loyalty_ledger.check_no_errors(checks, "round 1 earn", {"ops": 1000, "errors": 1})

    assert checks.exit_code() == 1


@pytest.mark.parametrize("expired, due_after", [(1499, 1), (1500, 1), (1499, 0)])
def test_ledger_bench_fails_when_the_expiry_job_left_or_missed_due_lots(expired, due_after):
    checks = BenchChecks()

    loyalty_ledger.check_expiry_complete(checks, 1500, {"lots": expired}, due_after)

    assert checks.exit_code() == 1


def test_ledger_bench_passes_when_everything_verified():
    checks = BenchChecks()

    loyalty_ledger.check_no_errors(checks, "round 1 redeem", {"ops": 1000, "errors": 0})
    loyalty_ledger.check_ledger_verified(checks, "after earn/redeem", {"ok": True, "mismatches": 0})
    loyalty_ledger.check_expiry_complete(checks, 1500, {"lots": 1500}, 0)

    assert checks.exit_code() == 0


# --- level review bench


def _round(reviewed=200, again=0, up=98):
    return {"outcome": {"reviewed": reviewed, "up": up, "down": 42}, "again_reviewed": again}


def test_level_bench_fails_when_the_review_again_finds_rows_due():
    checks = BenchChecks()

    levels_review.check_rounds(checks, 200, [_round(), _round(again=3)])

    assert checks.exit_code() == 1


def test_level_bench_fails_when_a_round_has_another_outcome():
    checks = BenchChecks()

    levels_review.check_rounds(checks, 200, [_round(), _round(up=97)])

    assert checks.exit_code() == 1


def test_level_bench_fails_when_the_review_missed_due_rows():
    checks = BenchChecks()

    levels_review.check_rounds(checks, 200, [_round(reviewed=199)])

    assert checks.exit_code() == 1


def test_level_bench_passes_when_every_round_agrees():
    checks = BenchChecks()

    levels_review.check_rounds(checks, 200, [_round(), _round(), _round()])

    assert checks.exit_code() == 0
