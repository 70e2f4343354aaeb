"""Shared body of `import_orders` and `import_members`: progress bar, summary, exit codes."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.models import ImportBatch, ImportStatus

from .engine import (
    CHUNK_ROWS,
    claim_for_resume,
    create_batch,
    not_resumable_reason,
    run_batch,
    wrong_file_reason,
)
from .formats import get_format
from .rows import ImportFileError
from .summary import summary_text


class _Bar:
    """tqdm over file rows with rows/s; falls back to nothing when stderr is not a terminal."""

    def __init__(self, label: str):
        from tqdm import tqdm

        self.bar = tqdm(desc=label, unit="行", unit_scale=True, file=sys.stderr, leave=False,
                        disable=not sys.stderr.isatty(), total=100, bar_format="{l_bar}{bar}| {postfix}")
        self.rows = 0

    def __call__(self, batch: ImportBatch) -> None:
        self.bar.n = round(batch.progress * 100)
        self.rows = batch.counts.get("rows_read", 0)
        rate = self.bar.format_dict["elapsed"] or 1
        self.bar.set_postfix_str(f"{self.rows:,} 行, {self.rows / rate:,.0f} 行/秒")

    def close(self) -> None:
        self.bar.close()


class ImportCommand(BaseCommand):
    kind = ""
    formats: tuple[str, ...] = ()

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=self.formats, help="文件格式")
        parser.add_argument("paths", nargs="*", type=Path, help="CSV / XLSX 文件")
        parser.add_argument("--resume", type=int, metavar="BATCH_ID",
                            help="继续一个失败或已中断的批次（从已提交的行之后开始；须给出原文件，内容不同则拒绝）")
        parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="每个事务提交的行数")
        parser.add_argument("--all-rows", action="store_true",
                            help="不跳过已导入过的相同行（例如修改了匹配规则或屏蔽值之后，让买家重新识别）")

    def handle(self, *args, format, paths, resume, chunk_rows, all_rows=False, **options):
        if resume:
            jobs = [(self._claim(resume, paths, format), paths[0])]
        elif not paths:
            raise CommandError("请给出至少一个文件路径")
        else:
            jobs = []
            for path in paths:
                if not path.is_file():
                    raise CommandError(f"文件不存在: {path}")
                try:
                    get_format(format, kind=self.kind)
                except ImportFileError as error:
                    raise CommandError(str(error)) from error
                jobs.append((None, path))
        failed = []
        for batch, path in jobs:
            if batch is None:
                batch = create_batch(kind=self.kind, format_key=format, path=path, actor_label="command")
            bar = _Bar(path.name)
            try:
                batch = run_batch(batch, path, progress=bar, chunk_rows=chunk_rows, skip_taken_in=not all_rows)
            finally:
                bar.close()
            self.stdout.write(summary_text(batch))
            if batch.status != ImportStatus.SUCCEEDED:
                failed.append(f"{path}: {batch.error_message}")
        if failed:
            raise CommandError("以下文件未能导入:\n" + "\n".join(failed))

    def _claim(self, batch_id: int, paths: list[Path], format_key: str) -> ImportBatch:
        """The batch to resume, taken over from its failed or interrupted run; refused (CommandError, exit
        code 1, no traceback) unless `paths` is the very file and format the batch was importing."""
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"没有编号为 {batch_id} 的导入批次")
        if batch.kind != self.kind:
            raise CommandError(f"批次 #{batch_id} 是{batch.get_kind_display()}导入，不能用这个命令继续。")
        if len(paths) != 1:
            raise CommandError("继续导入需要再次给出同一个文件的路径（只能一个）")
        reason = wrong_file_reason(batch, paths[0], format_key=format_key)
        if reason:
            raise CommandError(reason)
        if not claim_for_resume(batch.pk, status=ImportStatus.RUNNING):
            batch.refresh_from_db()
            raise CommandError(not_resumable_reason(batch))
        batch.refresh_from_db()
        return batch
