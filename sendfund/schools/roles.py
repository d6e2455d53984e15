"""Roles and what each may do. The README's role x capability matrix is generated from here."""

from django.db import models


class Role(models.TextChoices):
    SENCO = "senco", "SENCO"
    HEAD = "head", "Head teacher"
    GOVERNOR = "governor", "Governor"
    TRUST_LEAD = "trust_lead", "Trust lead"
    ADMIN = "admin", "School administrator"


# Capability names are "<area>.<verb>". Pupil-level data ("pupils.view") is never given to
# governors or trust leads: they see aggregates only (docs/domain.md section 8).
CAPABILITIES: dict[str, set[str]] = {
    "dashboard.view": {Role.SENCO, Role.HEAD, Role.GOVERNOR, Role.TRUST_LEAD, Role.ADMIN},
    "pupils.view": {Role.SENCO, Role.HEAD, Role.ADMIN},
    "pupils.edit": {Role.SENCO, Role.HEAD, Role.ADMIN},
    "pupils.import": {Role.SENCO, Role.HEAD, Role.ADMIN},
    "provision.edit": {Role.SENCO, Role.HEAD},
    "funding.view": {Role.SENCO, Role.HEAD, Role.GOVERNOR, Role.TRUST_LEAD},
    # Each pupil's cost against the threshold with their top-up and shortfall: pupil-level
    # funding, for the roles that see both pupil-level data and the funding.
    "funding.pupils": {Role.SENCO, Role.HEAD},
    # SENCOs edit funding only where the school allows it (School.senco_edits_funding).
    "funding.edit": {Role.HEAD},
    "advocacy.view": {Role.SENCO, Role.HEAD, Role.GOVERNOR, Role.TRUST_LEAD},
    "advocacy.edit": {Role.SENCO, Role.HEAD},
    "reports.view": {Role.SENCO, Role.HEAD, Role.GOVERNOR, Role.TRUST_LEAD},
    "reports.draft": {Role.SENCO, Role.HEAD},
    "reports.publish": {Role.HEAD},
    "school.manage": {Role.HEAD, Role.ADMIN},
    "trust.view": {Role.TRUST_LEAD},
    # Who looked at or changed pupils' records: the head answers for the school's data.
    "audit.view": {Role.HEAD},
}

CAPABILITY_LABELS = {
    "dashboard.view": "See the school's home page and aggregate figures",
    "pupils.view": "See pupil-level data (names, UPNs, needs, provision)",
    "pupils.edit": "Add and edit pupils, SEN status and needs",
    "pupils.import": (
        "Import pupil and CTF files, and provision files with provision editing; "
        "export the register"
    ),
    "provision.edit": "Edit the costed provision map, rates and statutory clocks",
    "funding.view": "See the funding dashboard and the gap",
    "funding.pupils": "See each pupil's cost against the threshold, top-up and shortfall",
    "funding.edit": "Add and edit funding sources, top-up schemes and pupil top-ups",
    "advocacy.view": "See advocacy records and evidence packs",
    "advocacy.edit": "Log advocacy actions, applications and training",
    "reports.view": "Read governors' termly reports",
    "reports.draft": "Draft termly reports",
    "reports.publish": "Publish termly reports",
    "school.manage": "Manage the school's settings",
    "trust.view": "Compare every school in the trust",
    "audit.view": "See the audit log: who looked at or changed pupils' records",
}


def role_can(role: str | None, capability: str, *, school=None) -> bool:
    """Whether a role holds a capability (the school's own settings may widen funding.edit)."""
    if role is None:
        return False
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    if (
        capability == "funding.edit"
        and role == Role.SENCO
        and school is not None
        and getattr(school, "senco_edits_funding", False)
    ):
        return True
    return role in CAPABILITIES[capability]
