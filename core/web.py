"""Helpers for the staff web pages every app serves."""

from django.contrib.auth.decorators import login_required, permission_required


def staff_page(permission: str):
    """Anonymous visitors go to the login page; signed-in staff without the permission get 403."""

    def decorate(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate
