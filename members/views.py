"""Staff web UI: the signed-in start page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from members.scope import ALL_MEMBERS
from members.selectors import overview_counts


@login_required
def home(request):
    # Store staff see only their stores' members: their start page is the workspace, never totals.
    if not request.user.has_perm(ALL_MEMBERS) and request.user.has_perm("workspace.use_workspace"):
        return redirect("workspace:home")
    return render(request, "home.html", {"counts": overview_counts()})
