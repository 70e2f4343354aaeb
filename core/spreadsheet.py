"""Cells that a spreadsheet opens as text, never as a formula (OWASP "CSV injection").

A text cell starting with a formula character gets a leading single quote; numbers are left
alone so amounts stay numeric. django-import-export 4.4 has IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT,
but it only strips a leading "=" (it misses +, -, @, tab and CR, and silently changes the value),
so every export (admin resources, reports, error lists) goes through `neutralize_formula`.
"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
