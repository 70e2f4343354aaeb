"""Plumbing every app shares; imports no app."""
