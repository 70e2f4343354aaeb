from django.core.management.base import BaseCommand, CommandError

from members.matching import DEFAULT_MIN_SCORE
from members.services.candidates import find_duplicate_candidates


class Command(BaseCommand):
    help = "Find likely duplicate members (fuzzy match) and queue them for review; never merges by itself."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-score", type=float, default=DEFAULT_MIN_SCORE,
            help=f"queue pairs scoring at least this (0–1, default {DEFAULT_MIN_SCORE})",
        )
        parser.add_argument(
            "--max-block-size", type=int, default=50,
            help="skip blocking groups with more people than this (uninformative, e.g. a common name + city)",
        )
        parser.add_argument("--member", type=int, action="append", dest="member_ids", metavar="ID",
                            help="only pairs involving this member id (repeatable)")

    def handle(self, *args, min_score, max_block_size, member_ids, **options):
        if not 0 <= min_score <= 1:
            raise CommandError("--min-score 应在 0 到 1 之间")
        if max_block_size < 2:
            raise CommandError("--max-block-size 至少为 2")
        run = find_duplicate_candidates(min_score=min_score, max_block_size=max_block_size, member_ids=member_ids)
        self.stdout.write(self.style.SUCCESS(run.summary()))
        self.stdout.write(
            f"members_scanned={run.members_scanned} pairs_scored={run.pairs_scored} created={run.created} "
            f"updated={run.updated} blocks={run.blocks} blocks_skipped={run.blocks_skipped} "
            f"pairs_excluded={run.pairs_excluded}"
        )
