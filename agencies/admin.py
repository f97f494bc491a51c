from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, AgencyAlias, AgencyLink, AgencyName, Membership, Province, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency"]


class AgencyNameInline(admin.TabularInline):
    model = AgencyName
    extra = 0


class AgencyAliasInline(admin.TabularInline):
    """Other names are saved from an import preview (compilation), which normalises them; here read or removed."""

    model = AgencyAlias
    extra = 0
    fields = ["text", "normalized", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    """For inspection: SNV changes agencies on its own pages (compilation), which keep periods and links."""

    list_display = ["code", "name", "kind", "valid_from", "valid_to", "email"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [AgencyNameInline, AgencyAliasInline]


@admin.register(AgencyLink)
class AgencyLinkAdmin(SimpleHistoryAdmin):
    list_display = ["predecessor", "successor", "kind", "effective_on"]
    list_filter = ["kind"]
    autocomplete_fields = ["predecessor", "successor"]


@admin.register(Province)
class ProvinceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "governing_body", "place", "seat", "valid_from", "valid_to"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "province_role", "is_active"]
    list_filter = ["province_role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email"]
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Province"), {"fields": ["full_name", "province_role"]}),)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "agency", "role"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "agency"]
