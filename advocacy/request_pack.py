"""The request pack: one pupil's evidence for a top-up or EHC needs assessment request.

The LA asks for the same evidence every time: the needs, the graduated approach over at least
two assess-plan-do-review cycles, the costed provision already in place and that it has reached
the £6,000 the school must fund (docs/domain.md sections 1, 3 and 4), what has worked and the
professionals involved. Every money figure here is the money model's own answer
(ProvisionAssignment.objects.costed: period_cost per row over the school days it runs), never
re-derived: the span is costed term by term (so each row's working can be shown) and as a
whole, and the two agree because costs accrue per whole school day.

Pupil-level and named: only for roles holding advocacy.edit (SENCO and head); governors and
trust leads never reach it. Each build is written to the access log (sendfund/audit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string

from advocacy import services
from advocacy.models import OPEN, ActionStatus, AdvocacyAction, RequestPack
from funding.gap import lines_for, pupil_threshold_queryset, threshold_figures
from pupils.forms import DATE_FORMATS
from pupils.models import InterventionMeasure, Need, ProvisionAssignment, Pupil
from pupils.queries import cost_year, high_needs_threshold, support_plans, working
from sendfund.lib import periods
from sendfund.lib.dates import bound_dates
from sendfund.lib.money import ZERO
from sendfund.pdf import html_to_pdf
from sendfund.schools.calendar import calendar_note
from sendfund.schools.models import School

DEFAULT_TERMS = 3
MAX_SPAN_DAYS = 3 * 366


def default_span(today: dt.date) -> periods.Period:
    """The last three terms: this term and the two before it (sendfund.lib.periods)."""
    terms = periods.terms_back(today, DEFAULT_TERMS)
    first, last = periods.term(*terms[0]), periods.term(*terms[-1])
    return periods.Period(first.start, last.end)


def span_terms(span: periods.Period) -> list[periods.Period]:
    """The reporting terms the span touches, each cut to the span (labelled by term)."""
    out = []
    year, name = periods.term_for_date(span.start)
    while True:
        whole = periods.term(year, name)
        if whole.start > span.end:
            return out
        out.append(
            periods.Period(max(whole.start, span.start), min(whole.end, span.end), whole.label)
        )
        year, name = periods.next_term(year, name)


class PackForm(forms.ModelForm):
    class Meta:
        model = RequestPack
        fields = ["kind", "span_start", "span_end", "more_needed", "more_needed_cost"]
        widgets = {"more_needed": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school: School, pupil: Pupil, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.pupil, self.today = school, pupil, today
        self.instance.school, self.instance.pupil = school, pupil  # the tenant, for validation
        span = default_span(today)
        self.fields["span_start"].initial = span.start
        self.fields["span_end"].initial = span.end
        self.fields["span_start"].help_text = "Defaults to the last three terms."
        for name in ("span_start", "span_end"):
            label = str(self.fields[name].label)
            self.fields[name].input_formats = DATE_FORMATS
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            self.fields[name].error_messages.update(
                {
                    "invalid": f"{label}: enter a real date, for example 01/04/2026.",
                    "required": f"{label}: enter a date.",
                }
            )
        bound_dates(self)  # 01/01/1990 to 31/12/2100, as every form (sendfund/lib/dates.py)
        self.fields["kind"].error_messages.update(
            {
                "invalid_choice": "Request: choose a top-up or an EHC needs assessment request.",
                "required": "Request: choose a top-up or an EHC needs assessment request.",
            }
        )
        cost = self.fields["more_needed_cost"]
        cost.required = False
        cost.error_messages.update(
            {
                "invalid": "Its cost a year: enter an amount in pounds, for example 2400.00.",
                "min_value": "Its cost a year: cannot be negative.",
                "max_decimal_places": "Its cost a year: pounds and pence, 2 decimal places.",
                "max_digits": "Its cost a year: too large.",
            }
        )

    def clean_more_needed_cost(self):
        return self.cleaned_data.get("more_needed_cost") or ZERO

    def clean(self):
        data = super().clean()
        start, end = data.get("span_start"), data.get("span_end")
        if start and end:
            if end < start:
                self.add_error("span_end", "Costed provision to: cannot be before the start.")
            elif (end - start).days > MAX_SPAN_DAYS:
                self.add_error("span_end", "Costed provision to: a span of at most three years.")
        if data.get("more_needed_cost") and not data.get("more_needed"):
            self.add_error("more_needed", "What more is needed: describe what the cost buys.")
        return data


@dataclass
class TermCosts:
    term: periods.Period
    rows: list
    total: Decimal


@dataclass
class Pack:
    pack: RequestPack
    pupil: Pupil
    today: dt.date
    needs: list
    plans: list
    span: periods.Period
    terms: list[TermCosts]
    span_total: Decimal
    year: periods.Period
    year_total: Decimal
    threshold: Decimal
    threshold_line: Decimal  # the pupil's line: the threshold, or the place value if placed
    place: bool
    topup: Decimal
    excess: Decimal
    shortfall: Decimal
    with_more: Decimal
    requested: Decimal
    measures: list
    professionals: list
    calendar: str
    reviewed_cycles: int = 0
    warnings: list[str] = field(default_factory=list)


def _pupil_total(qs) -> Decimal:
    return qs.aggregate(total=Sum("period_cost", default=ZERO))["total"]


def build(pack: RequestPack, *, today: dt.date) -> Pack:
    """The pack's figures, live: a constant number of queries per term of the span."""
    school, pupil = pack.school, pack.pupil
    span = periods.Period(pack.span_start, pack.span_end)
    costed = ProvisionAssignment.objects.costed  # the money model: one answer for every page
    terms = []
    for term in span_terms(span):
        rows = list(
            costed(term, school)
            .filter(pupil=pupil)
            .select_related("provision", "provision__staff_role")
            .order_by("start_date", "pk")
        )
        for row in rows:
            row.working = working(row)
        terms.append(TermCosts(term, rows, sum((r.period_cost for r in rows), ZERO)))
    span_total = _pupil_total(costed(span, school).filter(pupil=pupil))
    year = cost_year(today)
    year_total = _pupil_total(costed(year, school).filter(pupil=pupil))
    threshold = high_needs_threshold(school, today)
    # The pupil against their line for the year as the gap engine measures every pupil
    # (docs/domain.md section 4): the threshold pro-rated by school days for a mainstream
    # pupil, the place value for a special-school, AP or unit pupil; counted top-ups.
    lines = lines_for(school, year, threshold)
    figures = threshold_figures(
        pupil_threshold_queryset(school=school, period=year, threshold=threshold).filter(
            pupil=pupil.pk
        )
    )
    row = figures[0] if figures else None
    if row is not None:
        line, topup, place = row.line, row.topup, row.place
    else:  # no provision this year: nothing costed, nothing to measure
        place = lines.everyone_placed or (lines.place_kind is not None and pupil.in_unit)
        line = lines.place_line if place else lines.threshold_line
        topup = ZERO
    with_more = year_total + pack.more_needed_cost
    plans = list(support_plans(school, pupil))
    reviewed = sum(1 for p in plans if p.reviewed_on)
    warnings = []
    if reviewed < 2:
        warnings.append(
            f"Only {reviewed} reviewed assess-plan-do-review cycle{'s' if reviewed != 1 else ''}: "
            "LAs usually look for at least two."
        )
    if place:
        warnings.append(
            "This pupil is funded by a place plus top-up, not from the notional SEN budget "
            "(docs/domain.md section 4): the cost is measured against the value of the place."
        )
    if with_more <= line + topup:
        warnings.append(
            "This year's provision, with what more is needed, is covered by the "
            f"{'place' if place else 'high-needs threshold'} and any top-up: the LA is likely "
            "to expect the school to fund it."
        )
    return Pack(
        pack=pack,
        pupil=pupil,
        today=today,
        needs=list(Need.objects.for_school(school).filter(pupil=pupil).open_on(today)),
        plans=plans,
        span=span,
        terms=terms,
        span_total=span_total,
        year=year,
        year_total=year_total,
        threshold=threshold,
        threshold_line=line,
        place=place,
        topup=topup,
        excess=max(year_total - line, ZERO),
        shortfall=max(year_total - line - topup, ZERO),
        with_more=with_more,
        requested=max(with_more - line - topup, ZERO),
        measures=list(
            InterventionMeasure.objects.for_school(school)
            .filter(assignment__pupil=pupil)
            .select_related("assignment__provision")
            .order_by("entry_date", "pk")
        ),
        professionals=list(pupil.professionals.filter(school=school)),
        calendar=calendar_note(school, year),
        reviewed_cycles=reviewed,
        warnings=warnings,
    )


def action_title(pack: RequestPack) -> str:
    """The action's title names no pupil: governors read advocacy titles (the pupil is linked
    to the action, shown only to roles that see pupils)."""
    return f"{pack.get_kind_display()} (request pack)"


@transaction.atomic
def create(pack: RequestPack, *, user, today: dt.date) -> RequestPack:
    """Save a new pack (validated, e.g. by PackForm) and create or update the matching advocacy
    action: the open action of the same type linked to this pupil alone, else a new one in
    progress. The amount requested is this year's cost with what more is needed, above the
    pupil's line (threshold or place) and the top-up already counted."""
    pack.created_by = user
    pack.save()
    figures = build(pack, today=today)
    school = pack.school
    candidates = (
        AdvocacyAction.objects.for_school(school)
        .filter(type=pack.kind, pupils=pack.pupil, status__in=OPEN)
        .prefetch_related("pupils")
        .order_by("-date", "-pk")
    )
    # Only an action about this pupil alone: a joint request keeps its own amount and pupils.
    action = next(
        (a for a in candidates if [p.pk for p in a.pupils.all()] == [pack.pupil.pk]), None
    )
    if action is None:
        action = AdvocacyAction(
            type=pack.kind,
            title=action_title(pack),
            date=today,
            status=ActionStatus.IN_PROGRESS,
            addressed_to=getattr(school.local_authority, "name", "")[:200],
        )
    action.amount_requested = figures.requested.quantize(Decimal("0.01"))
    action.next_step = "Send the request pack to the local authority"
    action.next_step_due = action.next_step_due or today + dt.timedelta(days=14)
    try:
        services.action_save(school=school, action=action, pupils=[pack.pupil], user=user)
    except ValidationError as exc:  # pragma: no cover - the fields above are always valid
        raise ValidationError(f"The advocacy action could not be saved: {exc}") from exc
    pack.action = action
    pack.save(update_fields=["action"])
    return pack


def pdf_name(pack: RequestPack) -> str:
    # No name in the file name: it travels in email subjects and download folders.
    return f"request-pack-{pack.kind}-{pack.created:%Y%m%d}-{str(pack.public_id)[:8]}.pdf"


def pdf_bytes(figures: Pack) -> bytes:
    # The CSS is inline; WeasyPrint may read only sendfund's static files (sendfund/pdf.py).
    html = render_to_string("advocacy/request_pack_pdf.html", {"p": figures})
    return html_to_pdf(html)
