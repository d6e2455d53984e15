"""Census codes for SEN provision and need types, and the Code of Practice's broad areas."""

from django.db import models
from django.db.models import Case, CharField, Value, When


class SenProvision(models.TextChoices):
    EHC_PLAN = "E", "EHC plan"
    SEN_SUPPORT = "K", "SEN support"
    NO_SEN = "N", "No SEN"
    # Legacy codes, kept for history only (read-only).
    STATEMENT = "S", "Statement (legacy)"
    SCHOOL_ACTION = "A", "School Action (legacy)"
    SCHOOL_ACTION_PLUS = "P", "School Action Plus (legacy)"


# The codes a pupil can be given now, and those that put a pupil on the SEN register.
CURRENT_SEN_CODES = (SenProvision.EHC_PLAN, SenProvision.SEN_SUPPORT, SenProvision.NO_SEN)
ON_REGISTER_CODES = (SenProvision.EHC_PLAN, SenProvision.SEN_SUPPORT)


class BroadArea(models.TextChoices):
    COGNITION = "CL", "Cognition and learning"
    SEMH = "SEMH", "Social, emotional and mental health"
    COMMUNICATION = "CI", "Communication and interaction"
    SENSORY = "SP", "Sensory and/or physical"
    OTHER = "OTH", "Other"


class NeedCode(models.TextChoices):
    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    ASD = "ASD", "Autistic spectrum disorder"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Vision impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    OTH = "OTH", "Other difficulty/disability"
    NSA = "NSA", "SEN support but no specialist assessment of type of need"


NEED_AREA: dict[str, str] = {
    "SPLD": BroadArea.COGNITION,
    "MLD": BroadArea.COGNITION,
    "SLD": BroadArea.COGNITION,
    "PMLD": BroadArea.COGNITION,
    "SEMH": BroadArea.SEMH,
    "SLCN": BroadArea.COMMUNICATION,
    "ASD": BroadArea.COMMUNICATION,
    "HI": BroadArea.SENSORY,
    "VI": BroadArea.SENSORY,
    "MSI": BroadArea.SENSORY,
    "PD": BroadArea.SENSORY,
    "OTH": BroadArea.OTHER,
    "NSA": BroadArea.OTHER,
}


def need_area_case(field: str = "code") -> Case:
    """SQL expression mapping a need code column to its broad area, for GROUP BY."""
    return Case(
        *[When(**{field: code}, then=Value(str(area))) for code, area in NEED_AREA.items()],
        default=Value(str(BroadArea.OTHER)),
        output_field=CharField(),
    )


class YearGroup(models.TextChoices):
    N1 = "N1", "Nursery 1"
    N2 = "N2", "Nursery 2"
    R = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"
    Y14 = "14", "Year 14"


YEAR_GROUP_ORDER = [c.value for c in YearGroup]


def year_group_order_case(field: str = "year_group") -> Case:
    """Sort key so that N1 < N2 < R < 1 < ... < 14 in SQL."""
    from django.db.models import IntegerField

    return Case(
        *[When(**{field: code}, then=Value(i)) for i, code in enumerate(YEAR_GROUP_ORDER)],
        default=Value(99),
        output_field=IntegerField(),
    )
