"""URL matrix cases for the register, provision map and clocks (imports have their own file)."""

import uuid

from tests.factories import (
    NeedFactory,
    ProvisionAssignmentFactory,
    ProvisionFactory,
    PupilFactory,
    StaffRateFactory,
    StaffRoleFactory,
)
from tests.pupils.factories import (
    AnnualReviewFactory,
    AssessmentRequestFactory,
    PlanOutcomeFactory,
    ProfessionalFactory,
    SupportPlanFactory,
)
from tests.url_matrix import UrlCase


def _pupil(school):
    return {"public_id": PupilFactory(school=school).public_id}


def _need(school):
    need = NeedFactory(pupil__school=school, rank=2, code="SEMH")
    return {"public_id": need.pupil.public_id, "rank": 2}


def _assignment(school):
    return {"public_id": ProvisionAssignmentFactory(pupil__school=school).public_id}


def _provision(school):
    return {"public_id": ProvisionFactory(school=school).public_id}


def _unused_provision(school):
    return {"public_id": ProvisionFactory(school=school).public_id}


def _role(school):
    return {"public_id": StaffRoleFactory(school=school).public_id}


def _rate(school):
    # A fresh role each time: the smoke walk calls this repeatedly on the demo database.
    role = StaffRoleFactory(school=school, name=f"Matrix role {uuid.uuid4().hex[:8]}")
    rate = StaffRateFactory(staff_role=role)
    return {"public_id": rate.staff_role.public_id, "year": rate.academic_year}


def _assessment(school):
    return {"public_id": AssessmentRequestFactory(pupil__school=school).public_id}


def _review(school):
    return {"public_id": AnnualReviewFactory(pupil__school=school).public_id}


def _professional(school):
    return {"public_id": ProfessionalFactory(pupil__school=school).public_id}


def _plan(school):
    plan = SupportPlanFactory(pupil__school=school)
    PlanOutcomeFactory(plan=plan)
    return {"public_id": plan.public_id}


CASES = [
    UrlCase("pupils:register", "pupils.view"),
    UrlCase("pupils:add", "pupils.edit"),
    UrlCase("pupils:due", "pupils.view"),
    UrlCase("pupils:provision_map", "pupils.view"),
    UrlCase("pupils:catalogue", "pupils.view"),
    UrlCase("pupils:provision_add", "provision.edit"),
    UrlCase("pupils:provision_edit", "provision.edit", kwargs=_provision),
    UrlCase(
        "pupils:provision_delete",
        "provision.edit",
        kwargs=_unused_provision,
        method="post",
        ok_status=(302,),
    ),
    UrlCase("pupils:staff", "pupils.view"),
    UrlCase(
        "pupils:costing_basis",
        # provision.edit or school.manage: together exactly the roles holding pupils.view.
        "pupils.view",
        method="post",
        data=lambda school: {"costing_basis": "la_standard"},
        ok_status=(302,),
        notes="SENCO and head (provision.edit) or school administrator (school.manage).",
    ),
    UrlCase("pupils:staff_role_add", "provision.edit"),
    UrlCase("pupils:staff_role_edit", "provision.edit", kwargs=_role),
    UrlCase("pupils:staff_rate_add", "provision.edit", kwargs=_role),
    UrlCase("pupils:staff_rate_edit", "provision.edit", kwargs=_rate),
    UrlCase("pupils:detail", "pupils.view", kwargs=_pupil),
    UrlCase("pupils:edit", "pupils.edit", kwargs=_pupil),
    UrlCase("pupils:status", "pupils.edit", kwargs=_pupil),
    UrlCase("pupils:need_add", "pupils.edit", kwargs=_pupil),
    UrlCase("pupils:need_end", "pupils.edit", kwargs=_need),
    UrlCase("pupils:assignment_add", "provision.edit", kwargs=_pupil),
    UrlCase("pupils:assignment_edit", "provision.edit", kwargs=_assignment),
    UrlCase("pupils:assignment_end", "provision.edit", kwargs=_assignment),
    UrlCase("pupils:assessment_add", "provision.edit", kwargs=_pupil),
    UrlCase("pupils:assessment_edit", "provision.edit", kwargs=_assessment),
    UrlCase(
        "pupils:assessment_delete",
        "provision.edit",
        kwargs=_assessment,
        method="post",
        ok_status=(302,),
    ),
    UrlCase("pupils:review_add", "provision.edit", kwargs=_pupil),
    UrlCase("pupils:review_edit", "provision.edit", kwargs=_review),
    UrlCase(
        "pupils:review_delete", "provision.edit", kwargs=_review, method="post", ok_status=(302,)
    ),
    UrlCase("pupils:plan_add", "provision.edit", kwargs=_pupil),
    UrlCase("pupils:plan_edit", "provision.edit", kwargs=_plan),
    UrlCase("pupils:plan_review", "provision.edit", kwargs=_plan),
    UrlCase("pupils:professional_add", "provision.edit", kwargs=_pupil),
    UrlCase("pupils:professional_edit", "provision.edit", kwargs=_professional),
    UrlCase(
        "pupils:professional_delete",
        "provision.edit",
        kwargs=_professional,
        method="post",
        ok_status=(302,),
    ),
    UrlCase("pupils:measure_edit", "provision.edit", kwargs=_assignment),
]
