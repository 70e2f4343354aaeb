"""Staff web UI: the signed-in start page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from members.selectors import overview_counts


@login_required
def home(request):
    return render(request, "home.html", {"counts": overview_counts()})
