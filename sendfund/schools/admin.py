"""What support staff see on the admin site (superusers with two-factor only)."""

from django.contrib import admin

from sendfund.schools.models import (
    Invitation,
    LocalAuthority,
    Membership,
    MfaReset,
    RoleChange,
    School,
    Trust,
    TrustMembership,
)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "type", "phase", "trust", "local_authority"]
    search_fields = ["name", "urn"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "role", "created"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "school__name"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "school", "role", "sent_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]
    search_fields = ["email", "school__name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what people did: never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "school", "actor", "username", "from_role", "to_role"]


@admin.register(MfaReset)
class MfaResetAdmin(ReadOnlyAdmin):
    list_display = ["at", "school", "actor", "username"]


admin.site.register(Trust)
admin.site.register(TrustMembership)
admin.site.register(LocalAuthority)
