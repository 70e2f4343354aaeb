"""The guide workspace pages (phone-first, 390 px): home, search, the member card, the actions on
it, walk-in registration and the store manager's page. Views are thin: scope and reads in
selectors, writes in services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.web import staff_page
from members.card import timeline_page
from members.models import Store
from members.scope import sees_all, staff_stores
from tagging.api.why import why
from tagging.models import Tag, TagKind, TagMembership

from . import selectors, services
from .card import assemble
from .forms import ConsentForm, FollowUpForm, OptionalReasonForm, ReasonForm, TagForm, WalkInForm
from .models import FollowUp
from .search import SearchRefused, search

USE = "workspace.use_workspace"


@staff_page(USE)
def home(request):
    viewer = selectors.viewer_for(request.user)
    return render(request, "workspace/home.html", {
        "reminders": selectors.reminders(request.user, viewer.today),
        "recent": selectors.recent_customers(request.user, viewer.now),
        "managed": selectors.managed_stores(request.user),
        "today": viewer.today,
    })


@staff_page(USE)
def search_page(request):
    raw = request.GET.get("q", "")
    context = {"q": raw[:100], "results": None, "error": ""}
    if raw:
        try:
            query, results = search(request.user, raw)
        except SearchRefused as refused:
            context["error"] = str(refused)
        else:
            if len(results) == 1 and query.kind in ("mobile", "code"):
                return redirect("workspace:card", code=results[0].code)
            viewer = selectors.viewer_for(request.user)
            for member in results:
                member.mobile_shown = viewer.shown_mobile(member.mobile)
            context.update(query=query, results=results)
    return render(request, "workspace/search.html", context)


def _card_context(request, member, *, revealed: str = "") -> dict:
    viewer = selectors.viewer_for(request.user)
    card = assemble(member, viewer)
    return {"member": member, "card": card, "viewer": viewer, "revealed": revealed,
            "follow_up_form": FollowUpForm(), "consent_form": ConsentForm(), "can_bind": member.viewer_may_bind}


@staff_page(USE)
def add_tag_page(request, code):
    """The guide tags (导购可用) the member does not hold yet, each one tap away."""
    member = selectors.member_for(request.user, code)
    held = set(TagMembership.objects.filter(member=member).values_list("tag_id", flat=True))
    tags = [t for t in Tag.objects.filter(kind=TagKind.STATIC, active=True, guide_usable=True)
            .select_related("category").order_by("category__sort_order", "name") if t.pk not in held]
    return render(request, "workspace/add_tag.html", {"member": member, "tags": tags})


@staff_page(USE)
def card(request, code):
    member = selectors.card_member_for(request.user, code)
    return render(request, "workspace/card.html", _card_context(request, member))


@staff_page(USE)
def timeline(request, code):
    member = selectors.member_for(request.user, code)
    page = _page_number(request.GET.get("page"))
    viewer = selectors.viewer_for(request.user)
    entries, more = timeline_page(member.pk, viewer, page=page)
    return render(request, "workspace/timeline.html", {"member": member, "entries": entries, "page": page,
                                                       "has_next": more})


def _page_number(raw) -> int:
    try:
        return max(1, min(int(raw or 1), 10_000))
    except ValueError:
        return 1


@staff_page(USE)
def tag_why(request, code, membership_id):
    member = selectors.member_for(request.user, code)
    membership = get_object_or_404(TagMembership.objects.select_related("tag__category", "actor", "origin_member"),
                                   pk=membership_id, member=member)
    template = "workspace/tag_why_fragment.html" if request.GET.get("fragment") else "workspace/tag_why.html"
    explained = why(membership, member, request.user)
    return render(request, template, {"member": member, "membership": membership, "why": explained,
                                      "when_put_on": _leaf_snapshot(explained)})


def _leaf_snapshot(explained: dict) -> list[tuple[str, object, bool | None]]:
    """A dynamic tag's values when it went on, one (label, value, passed) per leaf; the labels come
    from the condition explained now (leaves are keyed by their path, e.g. all[1])."""
    labels: dict[str, str] = {}

    def walk(node):
        if not node:
            return
        if "children" in node:
            for child in node["children"]:
                walk(child)
        else:
            labels[node.get("path") or "条件"] = f"{node.get('label', '')} {node.get('op_label', '')} {node.get('value', '')}"

    walk((explained.get("explain_now") or {}).get("tree"))
    rows = []
    for path, value in (explained.get("leaf_values") or {}).items():
        if isinstance(value, dict):
            rows.append((labels.get(path, path), value.get("actual"), value.get("passed")))
        else:
            rows.append((labels.get(path, path), value, None))
    return rows


def _form_errors(form) -> str:
    return "；".join(f"{form.fields[name].label or ''}：{' '.join(errors)}" if name in form.fields else " ".join(errors)
                    for name, errors in form.errors.items())


def _act(request, code, form_class, act):
    """Run one guide action on a member in scope: the form's errors or the service's refusal as a
    message, or `act(member, cleaned_data)`'s confirmation; back to the card either way."""
    member = selectors.member_for(request.user, code)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("workspace:card", code=code)
    try:
        messages.success(request, act(member, form.cleaned_data))
    except services.WorkspaceError as error:
        messages.error(request, str(error))
    return redirect("workspace:card", code=code)


@require_POST
@staff_page("workspace.add_followup")
def add_follow_up(request, code):
    def act(member, data):
        services.write_follow_up(member=member, author=request.user, **data)
        return "跟进已记录。" + ("到期会出现在「今日提醒」。" if data["remind_on"] else "")
    return _act(request, code, FollowUpForm, act)


@require_POST
@staff_page(USE)
def finish_reminder(request, pk):
    follow_up = get_object_or_404(FollowUp, pk=pk, author=request.user)
    services.finish_reminder(follow_up=follow_up, actor=request.user)
    messages.success(request, "提醒已处理。")
    return redirect("workspace:home")


@require_POST
@staff_page(USE)
def set_tag(request, code):
    def act(member, data):
        tag = services.set_tag(member=member, tag_id=data["tag"], on=data["on"], actor=request.user,
                               reason=data["reason"])
        return f"已{'打上' if data['on'] else '取下'}标签「{tag.name}」。"
    return _act(request, code, TagForm, act)


@require_POST
@staff_page("members.add_consentrecord")
def record_consent(request, code):
    def act(member, data):
        services.record_store_consent(member=member, actor=request.user, **data)
        return "营销授权已记录。"
    return _act(request, code, ConsentForm, act)


@require_POST
@staff_page(USE)
def bind(request, code):
    def act(member, data):
        services.bind_to_me(member=member, actor=request.user, reason=data["reason"])
        return "已绑定为您的专属会员。"
    return _act(request, code, OptionalReasonForm, act)


@require_POST
@staff_page(USE)
def unbind(request, code):
    def act(member, data):
        services.unbind(member=member, actor=request.user, reason=data["reason"])
        return "已解除专属导购绑定。"
    return _act(request, code, ReasonForm, act)


@require_POST
@staff_page("members.reveal_phone")
def reveal_phone(request, code):
    member = selectors.card_member_for(request.user, code)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.WorkspaceError("请写明查看完整号码的原因（将被记录）。")
        mobile = services.reveal_phone(member=member, actor=request.user, reason=form.cleaned_data["reason"])
    except services.WorkspaceError as error:
        messages.error(request, str(error))
        return redirect("workspace:card", code=code)
    return render(request, "workspace/card.html", _card_context(request, member, revealed=mobile))


@staff_page(USE)
def register_walk_in(request):
    stores = [a.store for a in staff_stores(request.user)]
    form = WalkInForm(request.POST or None, stores=stores)
    if request.method == "POST" and form.is_valid():
        store = next((s for s in stores if str(s.pk) == form.cleaned_data.get("store")), stores[0] if stores else None)
        try:
            member, created = services.register_walk_in(mobile=form.cleaned_data["mobile"],
                                                        name=form.cleaned_data["name"], actor=request.user, store=store)
        except services.WorkspaceError as error:
            form.add_error("mobile", str(error))
        else:
            if created:
                messages.success(request, "已登记为新会员。")
            elif selectors.in_scope(request.user, member):
                messages.success(request, "该手机号已是会员，已为您打开会员卡。")
            else:
                # Never a duplicate: the person exists. Their card stays outside this guide's scope.
                messages.warning(request, "该手机号已是会员，但不在您的服务范围内（不是本店会员、近一年未在本店消费、"
                                          "也未绑定给您），未重复登记。顾客在本店消费后即可查看；如需现在服务，请联系店长。")
                return redirect("workspace:register")
            return redirect("workspace:card", code=member.code)
    return render(request, "workspace/register.html", {"form": form})


@staff_page("workspace.view_store_report")
def store_page(request, code):
    store = get_object_or_404(Store, code=code)
    managed = {a.store_id for a in selectors.managed_stores(request.user)}
    if store.pk not in managed and not sees_all(request.user):
        raise Http404("没有这个门店，或您不是该店店长。")
    viewer = selectors.viewer_for(request.user)
    return render(request, "workspace/store.html", selectors.store_report(store, viewer.today, request.user))

