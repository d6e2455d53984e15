from sendfund.schools.roles import CAPABILITIES, Role, role_can


def current_school(request):
    role = getattr(request, "role", None)
    school = getattr(request, "school", None)
    return {
        "current_school": school,
        "current_role": role,
        "current_role_label": Role(role).label if role else "",
        "school_choices": getattr(request, "school_choices", []),
        # {% if can.pupils_view %}: the nav shows only what the role may use.
        "can": {cap.replace(".", "_"): role_can(role, cap, school=school) for cap in CAPABILITIES},
    }
