"""Deterministic demo data for the CRM: stores, people on several channels, orders, consent.

`generate_people` / `OrderGenerator` are pure (same seed and today → same data);
`seed_demo` writes them through identity resolution. Entry point:
`python manage.py seed_demo --members 500 --seed 42`.
"""
