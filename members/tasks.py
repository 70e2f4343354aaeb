"""Thin Celery tasks: take ids, call one service."""

from dataclasses import asdict

from celery import shared_task

from members.services.candidates import find_duplicate_candidates


@shared_task
def find_duplicate_candidates_task(member_ids: list[int] | None = None) -> dict:
    """Nightly (config/schedule.py) or after an import with the imported people's ids."""
    run = find_duplicate_candidates(member_ids=member_ids)
    return asdict(run)
