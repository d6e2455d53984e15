"""Property test (issue 11 item 3): small generated schools, every page a governor and a trust
lead can open for this term, and the disclosure rule checked on what those pages receive.

For each generated school the governor opens the home page (its funding panel), the funding
dashboard, the published termly report and the evidence pack for the current term, and the
trust lead opens the trust view.
Checked on the context the templates receive (and the HTML):

1. no count shown is 1-4;
2. no money shown describes 1-4 pupils (need and gap by the pupils with provision, a top-up
   by the pupils it is tied to, a breakdown row by its own pupils, the shortfall by the pupils
   short of their top-up) - judged from the unsuppressed figures the head sees;
3. a figure hidden on one page is hidden on every page that shows it for the same term;
4. across the pages taken together, no relation a reader knows (each breakdown adds up to
   need, the funding types to funding, gap = need - funding, issued = within 20 weeks + late)
   has exactly one unknown, and shown plans issued minus shown within 20 weeks is not 1-4;
5. the HTML carries no hidden amount (formatted in pounds or in pence).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from funding.gap import compute_gap
from pupils.models import AssessmentRequest
from sendfund.lib.money import format_gbp
from sendfund.lib.periods import term, term_for_date
from sendfund.schools.roles import Role
from tests.conftest import _client_for
from tests.factories import (
    FundingSourceFactory,
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    TrustFactory,
    TrustMembershipFactory,
    UserFactory,
)
from tests.funding.factories import TopUpFactory, pupil_with_provision
from tests.reports.factories import published_report

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
PERIOD = term(*term_for_date(TODAY))

pupil = st.fixed_dictionaries(
    {
        "sen": st.sampled_from(["E", "K", "N"]),
        "area": st.sampled_from(["CI", "CL", "SE", "SP"]),
        "wave": st.sampled_from([2, 3]),
        "year": st.sampled_from(["1", "3", "5"]),
        "cost": st.sampled_from([0, 900, 4000, 9000, 25000]),
        "topup": st.one_of(st.none(), st.sampled_from([500, 1600, 7000])),
    }
)
school_data = st.fixed_dictionaries(
    {
        "pupils": st.lists(pupil, max_size=9),
        "school_funding": st.one_of(st.none(), st.sampled_from([3000, 40000])),
        "plans": st.integers(0, 9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
    }
)


def _build(data) -> tuple:
    trust = TrustFactory()
    school = SchoolFactory(trust=trust)
    for p in data["pupils"]:
        if p["cost"]:
            person = pupil_with_provision(
                school,
                annual_cost=Decimal(p["cost"]),
                sen=p["sen"],
                area=p["area"],
                wave=p["wave"],
                year_group=p["year"],
            )
        else:
            person = PupilFactory(school=school, year_group=p["year"])
        if p["topup"]:
            TopUpFactory(
                school=school,
                pupil=person,
                amount=Decimal(p["topup"]),
                period_start=PERIOD.start,
                period_end=PERIOD.end,
            )
    if data["school_funding"]:
        FundingSourceFactory(
            school=school,
            amount=Decimal(data["school_funding"]),
            period_start=PERIOD.start,
            period_end=PERIOD.end,
        )
    issued, within = data["plans"]
    received = PERIOD.start - dt.timedelta(weeks=18)
    for i in range(issued):
        weeks = 19 if i < within else 21  # both land inside the term
        AssessmentRequest.objects.create(
            school=school,
            pupil=PupilFactory(school=school),
            received_date=received,
            decision="assess",
            decision_date=received + dt.timedelta(weeks=5),
            draft_plan_date=received + dt.timedelta(weeks=15),
            final_plan_date=received + dt.timedelta(weeks=weeks),
            status="plan_issued",
        )
    governor = UserFactory()
    MembershipFactory(user=governor, school=school, role=Role.GOVERNOR)
    lead = UserFactory()
    TrustMembershipFactory(user=lead, trust=trust)
    return school, _client_for(governor), _client_for(lead)


def _value(cell):
    """A shown figure as a number, or None when withheld ("c")."""
    if isinstance(cell, dict):  # a snapshot cell
        return None if cell["suppressed"] else cell["value"]
    if hasattr(cell, "suppressed"):
        return None if cell.suppressed else cell.value
    return None if cell == "c" else cell


class Seen:
    """Figures by meaning, per page: page -> key -> value (None when withheld)."""

    def __init__(self):
        self.pages: dict[str, dict] = {}

    def add(self, page: str, key, cell) -> None:
        self.pages.setdefault(page, {})[key] = _value(cell)

    def union(self) -> dict:
        """key -> value if any page shows it, else None (hidden everywhere it appears)."""
        out: dict = {}
        for figures in self.pages.values():
            for key, value in figures.items():
                if value is not None or key not in out:
                    out[key] = value if value is not None else out.get(key)
        return out


def _collect(school, governor, lead) -> tuple[Seen, dict[str, str], dict]:
    seen, html = Seen(), {}
    dashboard = governor.get(reverse("funding:dashboard"))
    assert dashboard.status_code == 200
    html["dashboard"] = dashboard.content.decode()
    tables = dashboard.context["tables"]
    assert "shortfall" not in tables and "candidates" not in tables
    head = {"Identified need": "need", "Allocated funding (confirmed and received)": "funding"}
    head |= {"Gap (need minus funding)": "gap", "Element 3 top-ups in the period": "topups"}
    head |= {"Top-up shortfall": "shortfall", "Notional SEN budget in the period": "notional"}
    head |= {"School share: Σ min(cost, threshold for the period)": "school_share"}
    head |= {"Expected funding (not counted)": "expected"}
    for label, cell in tables["headline"].rows:
        seen.add("dashboard", head[label], cell)
    for name in ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave"):
        for label, pupils, money in tables[name].rows[:-1]:
            seen.add("dashboard", (name, label, "pupils"), pupils)
            seen.add("dashboard", (name, label), money)
    for label, cell in tables["funding_by_type"].rows[:-1]:
        seen.add("dashboard", ("type", label), cell)
    seen.add("dashboard", "funding", tables["funding_by_type"].rows[-1][1])
    threshold = [r[1] for r in tables["threshold"].rows]
    for key, cell in zip(
        ("over", "without_topup", "support_over", "shortfall_pupils"), threshold, strict=True
    ):
        seen.add("dashboard", key, cell)
    for label, need, funding, gap in tables["trend"].rows:
        for k, cell in (("need", need), ("funding", funding), ("gap", gap)):
            seen.add("dashboard", k if label == PERIOD.label else ("trend", label, k), cell)
    gap_view = dashboard.context["gap"]
    seen.add("dashboard", "covered", gap_view.covered_pct)

    home = governor.get(reverse("home"))
    assert home.status_code == 200
    html["home"] = home.content.decode()
    panel = home.context["funding_headline"]
    for k, attr in (("need", "need"), ("funding", "funding"), ("gap", "gap")):
        seen.add("home", k, getattr(panel, attr))
    seen.add("home", "covered", panel.covered_pct)

    year, name = term_for_date(TODAY)
    report = published_report(school, academic_year=year, term=name)
    page = governor.get(reverse("reports:detail", kwargs={"public_id": report.public_id}))
    assert page.status_code == 200
    html["report"] = page.content.decode()
    figures = page.context["figures"]
    f, c = figures["funding"], figures["clocks"]
    for key in ("need", "funding", "gap", "covered"):
        seen.add("report", key, f[key])
    seen.add("report", "shortfall", f["topup_shortfall"])
    seen.add("report", "shortfall_pupils", f["topup_shortfall_pupils"])
    seen.add("report", "without_topup", f["over_threshold_without_topup"])
    for row in f["by_area"]:
        seen.add("report", ("by_area", row["label"], "pupils"), row["pupils"])
        seen.add("report", ("by_area", row["label"]), row["cost"])
    for t in f["trend"]:
        for k in ("need", "funding", "gap"):
            seen.add("report", k if t["label"] == PERIOD.label else ("trend", t["label"], k), t[k])
    seen.add("report", "issued", c["final_plans_issued"])
    seen.add("report", "within", c["final_within_20_weeks"])
    seen.add("report", "within_pct", c["within_20_weeks_pct"])

    page = governor.get(reverse("advocacy:evidence"))
    assert page.status_code == 200
    html["evidence"] = page.content.decode()
    pack = page.context["pack"]
    assert pack.period == PERIOD
    rows = {r.label: r.cells[0] for r in pack.headline}
    seen.add("evidence", "need", rows["Identified need"])
    seen.add("evidence", "funding", rows["Allocated funding"])
    seen.add("evidence", "gap", rows["Gap (need minus funding; positive is a shortfall)"])
    seen.add("evidence", "covered", rows["Share of need covered"])
    for r in pack.areas:
        seen.add("evidence", ("by_area", r.label, "pupils"), r.cells[0])
        seen.add("evidence", ("by_area", r.label), r.cells[1])
    for r in pack.trend:
        for k, cell in zip(("need", "funding", "gap"), r.cells, strict=True):
            seen.add("evidence", k if r.label == PERIOD.label else ("trend", r.label, k), cell)
    t = [r.cells[0] for r in pack.threshold]
    seen.add("evidence", "over", t[0])
    seen.add("evidence", "without_topup", t[1])
    seen.add("evidence", "shortfall_pupils", t[2])
    seen.add("evidence", "shortfall", t[3])
    t = {r.label: r.cells[0] for r in pack.timeliness}
    seen.add("evidence", "issued", t["Final EHC plans issued"])
    seen.add("evidence", "within", t["… issued within 20 weeks"])
    seen.add("evidence", "within_pct", t["… share issued within 20 weeks (England 2024: 46.4%)"])

    page = lead.get(reverse("reports:trust"))
    assert page.status_code == 200
    html["trust"] = page.content.decode()
    (row,) = page.context["rows"]
    for k in ("need", "funding", "gap"):
        seen.add("trust", k, row[f"{k}_cell"])
    seen.add("trust", "covered", row["covered"])
    totals = page.context["totals"]
    for k in ("need", "funding", "gap"):  # one school: the trust total is the school's
        seen.add("trust", k, totals[f"{k}_cell"])
    return seen, html, tables


def _check(school, seen: Seen, html: dict, data) -> None:
    truth = compute_gap(school=school, period=PERIOD)
    union = seen.union()

    # 1. no count of 1-4 anywhere
    for page, figures in seen.pages.items():
        for key, value in figures.items():
            if isinstance(value, int) and not isinstance(value, bool):
                assert not 1 <= value <= 4, (page, key, value)

    # 2. no money about 1-4 pupils
    def small(n):
        return 1 <= n <= 4

    if small(truth.need_pupils) or small(truth.sen_pupil_count):
        assert union["need"] is None and union["gap"] is None, (truth.need_pupils, union)
        assert union.get("school_share") is None
    if small(truth.topup_pupils) and not truth.topup_school_level:
        assert union["topups"] is None
        assert union.get(("type", "Element 3 top-up")) is None
    if small(truth.funded_pupils) and not truth.funding_school_level:
        assert union["funding"] is None
    if small(truth.topup_shortfall_pupils):
        assert union["shortfall"] is None
    for name in ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave"):
        for r in getattr(truth, name):
            if small(r.pupils):
                assert union[(name, r.label)] is None, (name, r.label)

    # 3. hidden on one page, hidden on all
    for key in union:
        where = {p: f[key] for p, f in seen.pages.items() if key in f}
        if any(v is None for v in where.values()):
            assert all(v is None for v in where.values()), (key, where)

    # 4. no relation with exactly one unknown, across the pages together
    relations = [["need", "funding", "gap"]]
    for name in ("by_area", "by_need", "by_year_group", "by_sen_status", "by_wave"):
        relations.append(["need"] + [(name, r.label) for r in getattr(truth, name)])
    if truth.funding_by_type:
        relations.append(["funding"] + [("type", r.label) for r in truth.funding_by_type])
    for relation in relations:
        unknown = [k for k in relation if union.get(k) is None]
        assert len(unknown) != 1, (relation, unknown)
    if union.get("issued") is not None and union.get("within") is not None:
        assert not small(union["issued"] - union["within"]), union
    if union.get("issued") is not None and union.get("within") is None:
        assert union.get("within_pct") is None
    if union["need"] is not None and union["gap"] is not None:
        assert union["funding"] is not None  # (else worked out; checked by the relation too)
    if union["need"] is None or union["funding"] is None:
        assert union["covered"] is None

    # 5. no hidden amount in the HTML (unless it equals a shown figure or a public threshold)
    shown_text = set()
    for figures in seen.pages.values():
        for value in figures.values():
            if isinstance(value, Decimal):
                shown_text |= {format_gbp(value), format_gbp(value, pence=False)}
    for amount in (truth.threshold, truth.threshold_line):
        shown_text |= {format_gbp(amount), format_gbp(amount, pence=False)}
    hidden_amounts = {
        "need": truth.need,
        "gap": truth.gap,
        "funding": truth.funding,
        "topups": truth.topup_funding,
        "shortfall": truth.topup_shortfall,
    }
    for key, amount in hidden_amounts.items():
        if union.get(key) is not None or abs(amount) < 1:
            continue
        for text in (format_gbp(amount), format_gbp(amount, pence=False)):
            if text in shown_text:
                continue
            for page, body in html.items():
                assert text not in body, (key, text, page)


FOUND = {  # once hid the need on the trust view only (protect chose around one figure)
    "school_funding": None,
    "pupils": [
        {"sen": "E", "wave": 2, "area": "CI", "cost": 0, "topup": None, "year": "1"},
        {"sen": "E", "wave": 2, "area": "CI", "cost": 9000, "topup": 500, "year": "3"},
        {"sen": "E", "wave": 3, "area": "SP", "cost": 900, "topup": 500, "year": "3"},
        {"sen": "E", "wave": 2, "area": "CI", "cost": 0, "topup": 1600, "year": "1"},
        {"sen": "N", "wave": 3, "area": "CI", "cost": 4000, "topup": None, "year": "1"},
        {"sen": "E", "wave": 3, "area": "SE", "cost": 900, "topup": None, "year": "1"},
        {"sen": "K", "wave": 2, "area": "SE", "cost": 4000, "topup": None, "year": "1"},
        {"sen": "E", "wave": 2, "area": "CL", "cost": 4000, "topup": None, "year": "3"},
        {"sen": "E", "wave": 3, "area": "SE", "cost": 900, "topup": None, "year": "3"},
    ],
    "plans": (9, 1),
}


@given(data=school_data)
@example(data=FOUND)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_governor_or_trust_page_discloses_a_small_number(data):
    school, governor, lead = _build(data)
    seen, html, _ = _collect(school, governor, lead)
    _check(school, seen, html, data)


def test_the_check_can_fail_on_a_page_that_leaks(monkeypatch):
    """Control: with the dashboard's published figures replaced by the raw ones, a school of
    one pupil fails the property."""
    from funding import dashboard as dash

    monkeypatch.setattr(
        dash, "public_gap", lambda gap, pub: gap
    )  # the cards show raw figures again
    data = {
        "pupils": [
            {"sen": "E", "area": "CI", "wave": 3, "year": "3", "cost": 25000, "topup": 1600}
        ],
        "school_funding": None,
        "plans": (0, 0),
    }
    school, governor, lead = _build(data)
    seen, html, _ = _collect(school, governor, lead)
    with pytest.raises(AssertionError):
        _check(school, seen, html, data)
