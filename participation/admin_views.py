"""Wagtail admin views for agency staff: proposals, comments, reports and role management.

Every list is narrowed to the agencies (or single consultations) where the signed-in user holds
the relevant permission; superusers see all. Every action calls `participation.services`, which
checks the rights again from the row's agency: the admin holds no rules of its own.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

from accounts.models import User
from cms.models import ConsultationPage
from participation import services
from participation.abilities import RESPONSE_STATUSES
from participation.models import Comment, Proposal, ProposalStatus, Report
from participation.refusals import Refused
from permissions.models import Agency, Membership
from permissions.policy import agencies_with_perm, object_perm_q
from permissions.roles import Perm, Role

PAGE_SIZE = 50


def _superuser(user: Any) -> bool:
    return bool(user.is_active and user.is_superuser)


def staff_filter(user: Any, perms: tuple[str, ...], consultation_field: str = "consultation_id"):
    """Q of rows in agencies (or consultations) where `user` holds any of `perms`; None = all."""
    if _superuser(user):
        return None
    condition = Q(pk__in=[])
    for perm in perms:
        condition |= Q(agency_id__in=agencies_with_perm(user, perm))
        condition |= object_perm_q(user, perm, ConsultationPage, field=consultation_field)
    return condition


def scoped(qs: QuerySet, user: Any, perms: tuple[str, ...], field: str = "consultation_id"):
    condition = staff_filter(user, perms, field)
    return qs if condition is None else qs.filter(condition)


def has_any_staff_access(user: Any, perms: tuple[str, ...]) -> bool:
    if _superuser(user):
        return True
    if any(agencies_with_perm(user, perm) for perm in perms):
        return True
    return ConsultationPage.objects.filter(staff_filter(user, perms, "pk") or Q()).exists()


PROPOSAL_PERMS = (Perm.MODERATE, Perm.RESPOND)
MODERATE_PERMS = (Perm.MODERATE,)


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RespondForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(s.value, s.label) for s in ProposalStatus if s in RESPONSE_STATUSES],
    )
    text = forms.CharField(label=_("Official response"), widget=forms.Textarea, max_length=10_000)


def _refused(request: HttpRequest, refused: Refused) -> None:
    field = f" ({refused.field})" if refused.field else ""
    messages.error(request, f"{refused.message}{field} [{refused.code.value}]")


def _page(request: HttpRequest, qs: QuerySet):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("p"))


def _pk(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise Http404 from None


def _require(user: Any, perms: tuple[str, ...]) -> None:
    if not has_any_staff_access(user, perms):
        raise Http404


# --- proposals -------------------------------------------------------------------------------


def proposal_index(request: HttpRequest) -> HttpResponse:
    _require(request.user, PROPOSAL_PERMS)
    qs = scoped(Proposal.objects.all(), request.user, PROPOSAL_PERMS)
    status = request.GET.get("status", "")
    if status in ProposalStatus.values:
        qs = qs.filter(status=status)
    hidden = request.GET.get("hidden", "")
    if hidden in ("yes", "no"):
        qs = qs.filter(is_hidden=hidden == "yes")
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query))
    qs = qs.select_related("agency", "consultation", "author").order_by("-created_at", "-id")
    return render(
        request,
        "participation/admin/proposal_index.html",
        {
            "page_obj": _page(request, qs),
            "statuses": ProposalStatus.choices,
            "status": status,
            "hidden": hidden,
            "q": query,
        },
    )


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, PROPOSAL_PERMS)
    qs = scoped(
        Proposal.objects.select_related("consultation", "author"), request.user, PROPOSAL_PERMS
    )
    proposal = get_object_or_404(qs, pk=pk)
    hide_form, respond_form = HideForm(), RespondForm(initial={"status": proposal.status})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "hide":
                hide_form = HideForm(request.POST)
                if hide_form.is_valid():
                    services.hide_content(
                        request.user, proposal, reason=hide_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Proposal hidden."))
                    return HttpResponseRedirect(request.path)
            elif action == "unhide":
                services.unhide_content(request.user, proposal)
                messages.success(request, _("Proposal shown again."))
                return HttpResponseRedirect(request.path)
            elif action == "respond":
                respond_form = RespondForm(request.POST)
                if respond_form.is_valid():
                    services.respond_to_proposal(
                        request.user, proposal, **respond_form.cleaned_data
                    )
                    messages.success(request, _("Response published."))
                    return HttpResponseRedirect(request.path)
        except Refused as refused:
            _refused(request, refused)
    return render(
        request,
        "participation/admin/proposal_detail.html",
        {
            "proposal": proposal,
            "responses": proposal.responses.select_related("responder").order_by(
                "-created_at", "-id"
            ),
            "hide_form": hide_form,
            "respond_form": respond_form,
        },
    )


# --- comments and reports --------------------------------------------------------------------


def comment_index(request: HttpRequest) -> HttpResponse:
    _require(request.user, MODERATE_PERMS)
    qs = scoped(Comment.objects.all(), request.user, MODERATE_PERMS)
    if request.method == "POST":
        comment = get_object_or_404(qs, pk=_pk(request, "comment"))
        action = request.POST.get("action")
        try:
            if action == "hide":
                services.hide_content(request.user, comment, reason=request.POST.get("reason"))
            elif action == "unhide":
                services.unhide_content(request.user, comment)
            elif action == "delete":
                services.delete_comment(request.user, comment)
            messages.success(request, _("Done."))
        except Refused as refused:
            _refused(request, refused)
        return HttpResponseRedirect(request.get_full_path())
    hidden = request.GET.get("hidden", "")
    if hidden in ("yes", "no"):
        qs = qs.filter(is_hidden=hidden == "yes")
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(body__icontains=query)
    qs = qs.select_related("agency", "consultation", "proposal", "author").order_by(
        "-created_at", "-id"
    )
    return render(
        request,
        "participation/admin/comment_index.html",
        {"page_obj": _page(request, qs), "hidden": hidden, "q": query},
    )


def report_index(request: HttpRequest) -> HttpResponse:
    _require(request.user, MODERATE_PERMS)
    condition = staff_filter(request.user, MODERATE_PERMS, "proposal__consultation_id")
    qs = Report.objects.all()
    if condition is not None:
        qs = qs.filter(
            condition | staff_filter(request.user, MODERATE_PERMS, "comment__consultation_id")
        )
    if request.method == "POST":
        report = get_object_or_404(qs, pk=_pk(request, "report"))
        try:
            if request.POST.get("action") == "hide":
                services.hide_content(
                    request.user, report.target, reason=request.POST.get("reason")
                )
            else:
                services.resolve_report(request.user, report)
            messages.success(request, _("Report handled."))
        except Refused as refused:
            _refused(request, refused)
        return HttpResponseRedirect(request.get_full_path())
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif state == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    qs = qs.select_related("agency", "proposal", "comment", "reporter").order_by("-created_at")
    return render(
        request,
        "participation/admin/report_index.html",
        {"page_obj": _page(request, qs), "state": state},
    )


# --- roles -----------------------------------------------------------------------------------


class GrantForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    email = forms.EmailField(label=_("User's e-mail address"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))
    consultation = forms.ModelChoiceField(
        queryset=ConsultationPage.objects.none(),
        required=False,
        label=_("Only for this consultation"),
        help_text=_("Leave empty for the whole agency (moderator, responder, analyst only)."),
    )

    def __init__(self, *args, agencies: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["consultation"].queryset = ConsultationPage.objects.filter(
            agency__in=agencies
        ).order_by("title")

    def clean_email(self) -> User:
        user = User.objects.filter(email__iexact=self.cleaned_data["email"].strip()).first()
        if user is None:
            raise forms.ValidationError(_("No user has this e-mail address."))
        return user


def _admin_agencies(user: Any) -> QuerySet:
    if _superuser(user):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=agencies_with_perm(user, Perm.MANAGE_MEMBERSHIPS))


def roles(request: HttpRequest) -> HttpResponse:
    agencies = _admin_agencies(request.user)
    if not agencies.exists():
        raise Http404
    form = GrantForm(agencies=agencies)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                membership = get_object_or_404(
                    Membership.objects.filter(agency__in=agencies), pk=_pk(request, "membership")
                )
                services.revoke_role(
                    request.user, membership.agency, membership.user, membership.role
                )
                messages.success(request, _("Role revoked."))
                return HttpResponseRedirect(request.path)
            form = GrantForm(request.POST, agencies=agencies)
            if form.is_valid():
                data = form.cleaned_data
                services.grant_role(
                    request.user,
                    data["agency"],
                    data["email"],
                    data["role"],
                    consultation=data["consultation"],
                )
                messages.success(request, _("Role granted."))
                return HttpResponseRedirect(request.path)
        except Refused as refused:
            _refused(request, refused)
    memberships = (
        Membership.objects.filter(agency__in=agencies)
        .select_related("agency", "user")
        .order_by("agency__slug", "role", "user__email")
    )
    return render(
        request,
        "participation/admin/roles.html",
        {"memberships": memberships, "form": form},
    )
