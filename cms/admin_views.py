"""Wagtail admin views for agencies: superusers list and provision tenants here.

Provisioning goes through `cms.agencies.create_agency`, the same function as the
`create_agency` management command, so the admin and the command cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, WagtailAdminTemplateMixin
from wagtail.models import Site
from wagtail.permission_policies.base import BasePermissionPolicy

from cms.agencies import AgencySpec, create_agency
from permissions.models import Agency, agency_slug_validator

URL_NAMESPACE = "ruamkhid_agencies"
INDEX_URL_NAME = f"{URL_NAMESPACE}:index"
INDEX_RESULTS_URL_NAME = f"{URL_NAMESPACE}:index_results"
ADD_URL_NAME = f"{URL_NAMESPACE}:add"

hostname_validator = RegexValidator(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$",
    _("Enter a host name such as water.example.go.th (no scheme, port or path)."),
)


def is_active_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


class SuperuserOnlyPolicy(BasePermissionPolicy):
    """Creating tenants is an instance-wide act, so no agency role (not even admin) grants it."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return is_active_superuser(user)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return is_active_superuser(user)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return is_active_superuser(user)

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        return is_active_superuser(user)

    def users_with_any_permission(self, actions: Any) -> QuerySet:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(is_active=True, is_superuser=True)

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet:
        manager = self.model._default_manager
        return manager.all() if is_active_superuser(user) else manager.none()


agency_policy = SuperuserOnlyPolicy(Agency)


class SiteColumn(Column):
    """The agency's site as host:port (":80" left out), the address its frontend answers on."""

    def get_value(self, instance: Agency) -> str:
        site = instance.site
        if site is None:
            return ""
        return site.hostname if site.port == 80 else f"{site.hostname}:{site.port}"


class AgencyIndexView(IndexView):
    """All agencies with the hostname of their Wagtail site."""

    model = Agency
    permission_policy = agency_policy
    any_permission_required = ["view"]
    index_url_name = INDEX_URL_NAME
    index_results_url_name = INDEX_RESULTS_URL_NAME
    add_url_name = ADD_URL_NAME
    page_title = _("Agencies")
    header_icon = "site"
    paginate_by = 50
    default_ordering = "slug"

    @property
    def columns(self) -> list[Column]:
        return [
            TitleColumn("name_th", label=_("Name (Thai)"), sort_key="name_th"),
            Column("name_en", label=_("Name (English)"), sort_key="name_en"),
            Column("slug", label=_("Slug"), sort_key="slug"),
            SiteColumn("site", label=_("Site")),
            Column("created_at", label=_("Created"), sort_key="created_at"),
        ]

    def get_base_queryset(self) -> QuerySet[Agency]:
        return Agency.objects.select_related("site")


class HostnameField(forms.CharField):
    """Host names are case-insensitive; store them lower-case so duplicates are found."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).lower()


class AgencyCreateForm(forms.Form):
    """What `AgencySpec` needs; checks duplicates up front so errors land on their fields."""

    slug = forms.CharField(
        label=_("Slug"),
        max_length=50,
        validators=[agency_slug_validator],
        help_text=_("Used in URLs and the X-Agency header, e.g. dwr. Cannot be changed later."),
    )
    name_th = forms.CharField(label=_("Name (Thai)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    hostname = HostnameField(
        label=_("Hostname"),
        max_length=255,
        validators=[hostname_validator],
        help_text=_("The host the agency's site answers on, e.g. water.example.go.th."),
    )
    port = forms.IntegerField(
        label=_("Port"),
        initial=80,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if Agency.objects.filter(slug=slug).exists():
            raise ValidationError(_("An agency with this slug already exists."), code="duplicate")
        return slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        hostname, port = cleaned.get("hostname"), cleaned.get("port")
        if hostname and port and Site.objects.filter(hostname=hostname, port=port).exists():
            self.add_error(
                "hostname",
                ValidationError(
                    _("A site already answers on this hostname and port."), code="duplicate"
                ),
            )
        return cleaned

    def spec(self) -> AgencySpec:
        data = self.cleaned_data
        return AgencySpec(
            slug=data["slug"],
            name_th=data["name_th"].strip(),
            name_en=data["name_en"].strip(),
            hostname=data["hostname"],
            port=data["port"],
        )


class AgencyCreateView(WagtailAdminTemplateMixin, FormView):
    """Provision an agency from the admin; a refusal re-renders the form with nothing created."""

    form_class = AgencyCreateForm
    template_name = "wagtailadmin/generic/form.html"
    page_title = _("New agency")
    header_icon = "site"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not agency_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX_URL_NAME), "label": _("Agencies")},
            {"url": "", "label": _("New agency")},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["action_url"] = reverse(ADD_URL_NAME)
        context["submit_button_label"] = _("Create agency")
        context["submit_button_active_label"] = _("Creating…")
        context["media"] = context["form"].media
        return context

    def form_valid(self, form: AgencyCreateForm) -> HttpResponse:
        try:
            agency = create_agency(form.spec())
        except ValidationError as exc:
            # The form checked the same things; this is a concurrent request or a rule the
            # form does not know about. create_agency rolled everything back.
            form.add_error(None, exc)
            return self.form_invalid(form)
        except IntegrityError:
            form.add_error(
                None,
                _("Another agency or site with these details was created meanwhile. Try again."),
            )
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Agency '%(name)s' created at %(host)s.")
            % {"name": agency.name, "host": form.cleaned_data["hostname"]},
        )
        return HttpResponseRedirect(reverse(INDEX_URL_NAME))

    def form_invalid(self, form: AgencyCreateForm) -> HttpResponse:
        messages.validation_error(
            self.request, _("The agency could not be created due to errors."), form
        )
        return super().form_invalid(form)
