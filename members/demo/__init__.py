"""Deterministic demo data for the CRM: stores, and channel export files for people who shop on
several channels (`exports`), loaded through the real importers by `seeding.seed_demo`.

Entry point: `python manage.py seed_demo --members 500 --seed 42 [--end-date YYYY-MM-DD]`.
"""
