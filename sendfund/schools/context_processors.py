from html import escape

from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from sendfund.schools.middleware import listing
from sendfund.schools.roles import CAPABILITIES, Role, role_can


def _school_options(choices, school) -> str:
    """The school switcher's <option>s, the current school selected, names escaped. Written
    here rather than in base.html: a trust lead's 201 schools cost the template about 4 ms on
    every page (four lookups an option)."""
    current = school.pk if school else None
    return mark_safe(  # noqa: S308 (each value escaped; ids are UUIDs)
        "".join(
            f'<option value="{s.public_id}"{" selected" if s.pk == current else ""}>'
            f"{escape(s.name)}</option>"
            for s in listing(choices)
        )
    )


def current_school(request):
    role = getattr(request, "role", None)
    school = getattr(request, "school", None)
    choices = getattr(request, "school_choices", [])
    return {
        "current_school": school,
        "current_role": role,
        "current_role_label": Role(role).label if role else "",
        "school_choices": choices,
        "school_options": SimpleLazyObject(lambda: _school_options(choices, school)),
        # {% if can.pupils_view %}: the nav shows only what the role may use.
        "can": {cap.replace(".", "_"): role_can(role, cap, school=school) for cap in CAPABILITIES},
    }
