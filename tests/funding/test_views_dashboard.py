"""The head's dashboard, the pupil-level threshold list and their CSV downloads."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from sendfund.lib.money import to_pennies
from tests.clock import frozen_on
from tests.factories import FundingSourceFactory, ProvisionAssignmentFactory, current_summaries
from tests.funding.factories import TopUpFactory, pupil_with_provision

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 10)  # autumn term 2025/26
URL = "/funding/"


_today = frozen_on(TODAY)


def _world(school, pupils: int, extra_rows: int = 0):
    for i in range(pupils):
        pupil = pupil_with_provision(
            school,
            annual_cost=Decimal(4000 + 1000 * (i % 5)),
            sen="E" if i % 2 else "K",
            need=("ASD", "SLCN", "SEMH")[i % 3],
            year_group=str(1 + i % 6),
        )
        for _ in range(extra_rows):
            ProvisionAssignmentFactory(pupil=pupil, start_date=dt.date(2025, 9, 1))
        if i % 3 == 0:
            TopUpFactory(
                school=school,
                pupil=pupil,
                period_start=dt.date(2025, 4, 1),
                period_end=dt.date(2026, 3, 31),
            )
    FundingSourceFactory(
        school=school,
        amount=Decimal("40000.00"),
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )


def test_the_head_sees_the_headline_figures_for_this_term(head_client, school):
    # 7,300 a year from before the term, spread over the default calendar's 190 school days:
    # autumn 2025 has 72 of them, 7,300 x 72/190 = 2,766.32. Funding by calendar day:
    # 3,650 x 122/365 = 1,220.
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    FundingSourceFactory(
        school=school,
        amount=Decimal("3650.00"),
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2026, 3, 31),
    )

    response = head_client.get(URL)

    assert response.status_code == 200
    gap = response.context["gap"]
    assert gap.period.label == "Autumn 2025/26"
    assert to_pennies(gap.need) == Decimal("2766.32")
    assert to_pennies(gap.funding) == Decimal("1220.00")
    assert to_pennies(gap.gap) == Decimal("1546.32")
    html = response.content.decode()
    assert "£2,766" in html and "£1,220" in html
    assert "School days from 2025/26: the default calendar" in html
    assert "Autumn 2025/26" in html
    assert "<svg" in html and 'role="img"' in html


def test_an_empty_school_gets_zeros_and_a_next_step(head_client, school):
    response = head_client.get(URL)

    assert response.status_code == 200
    assert response.context["gap"].need == Decimal("0")
    assert "No provision and no funding fall in this period" in response.content.decode()


def test_choosing_last_academic_year_changes_the_period(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("3650"))

    response = head_client.get(URL, {"period": "ay:2024"})

    gap = response.context["gap"]
    assert (gap.period.start, gap.period.end) == (dt.date(2024, 9, 1), dt.date(2025, 8, 31))
    assert to_pennies(gap.need) == Decimal("3650.00")  # 3,650 / 190 x 190 school days


def test_a_custom_period_ending_before_it_starts_is_refused_with_a_message(head_client, school):
    response = head_client.get(
        URL, {"period": "custom", "start": "2025-10-01", "end": "2025-09-01"}
    )

    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()


def test_a_custom_period_without_dates_is_refused(head_client, school):
    response = head_client.get(URL, {"period": "custom"})

    assert response.status_code == 400


def test_a_made_up_period_choice_is_refused_not_a_500(head_client, school):
    response = head_client.get(URL, {"period": "term:abc"})

    assert response.status_code == 400
    # The field's own error is shown, linked to the field (it was refused in silence).
    html = response.content.decode()
    assert "Please correct the following" in html and 'href="#id_period"' in html


def test_a_made_up_period_on_the_pupil_list_says_what_is_wrong(head_client, school):
    response = head_client.get("/funding/pupils/", {"period": "nonsense"})

    assert response.status_code == 400
    assert 'href="#id_period"' in response.content.decode()


def test_every_dashboard_table_downloads_as_csv(head_client, school):
    _world(school, 6)
    tables = head_client.get(URL).context["tables"]

    for name in tables:
        response = head_client.get(URL, {"period": "ay:2025", "format": "csv", "table": name})
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]


def test_the_by_area_csv_has_need_to_the_penny_and_a_total(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"), area="CI")
    pupil_with_provision(school, annual_cost=Decimal("1000"), area="SEMH", need="SEMH")

    response = head_client.get(URL, {"period": "ay:2025", "format": "csv", "table": "by_area"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Group", "Pupils", "Need"],
        ["Communication and interaction", "1", "7300.00"],
        ["Social, emotional and mental health", "1", "1000.00"],
        ["Total", "", "8300.00"],
    ]


def test_an_unknown_csv_table_is_a_404(head_client, school):
    assert head_client.get(URL, {"format": "csv", "table": "nope"}).status_code == 404


def test_governors_see_counts_but_no_pupil_names(governor_client, head_client, school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("9000"), sen="K")
    # A surname no page text contains (a random "Short" would match "Shortfall").
    type(pupil).objects.filter(pk=pupil.pk).update(surname="Quillfeather")
    pupil.refresh_from_db()

    governor_page = governor_client.get(URL).content.decode()
    head_page = head_client.get(URL).content.decode()

    assert pupil.surname in head_page
    assert pupil.surname not in governor_page
    assert "Pupil names are shown only to the SENCO and the head." in governor_page
    response = governor_client.get(URL, {"format": "csv", "table": "shortfall"})
    assert response.status_code == 404


def test_governors_counts_of_one_to_four_pupils_are_suppressed(governor_client, school):
    pupil_with_provision(school, annual_cost=Decimal("9000"), area="SP")

    tables = governor_client.get(URL).context["tables"]

    assert tables["by_area"].rows[0][1:] == ["c", "c"]
    assert tables["threshold"].rows[0][1] == "c"


def test_a_single_small_row_takes_another_row_with_it_so_it_cannot_be_worked_out(
    governor_client, head_client, school
):
    for _ in range(6):
        pupil_with_provision(school, annual_cost=Decimal("1000"), area="CI")
    for _ in range(7):
        pupil_with_provision(school, annual_cost=Decimal("2000"), area="CL", need="MLD")
    pupil_with_provision(school, annual_cost=Decimal("9000"), area="SP", need="HI")

    governor_rows = governor_client.get(URL).context["tables"]["by_area"].rows
    head_rows = head_client.get(URL).context["tables"]["by_area"].rows

    hidden = [r[0] for r in governor_rows if r[2] == "c"]
    assert "Sensory and/or physical" in hidden and len(hidden) == 2
    assert governor_rows[-1] == head_rows[-1]  # the total is still shown
    assert all(isinstance(r[1], int) for r in head_rows[:-1])  # the head sees every count


def test_governors_get_403_on_the_pupil_level_list(governor_client, trust_lead_client, school):
    assert governor_client.get("/funding/pupils/").status_code == 403
    assert trust_lead_client.get("/funding/pupils/").status_code == 403


def test_the_pupil_list_shows_each_pupil_against_the_threshold(senco_client, school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))

    response = senco_client.get("/funding/pupils/", {"period": "ay:2025", "over": "1"})

    assert response.status_code == 200
    row = response.context["figures"][0]
    assert row.pupil == pupil.pk
    # The whole year: cost 7,300, threshold 6,000, excess and shortfall 1,300.
    assert [to_pennies(x) for x in (row.cost, row.line, row.excess, row.shortfall)] == [
        Decimal("7300.00"),
        Decimal("6000.00"),
        Decimal("1300.00"),
        Decimal("1300.00"),
    ]
    # Each name opens the pupil's own page.
    assert f'href="/pupils/{pupil.public_id}/"' in response.content.decode()


def test_the_pupil_list_escapes_names(senco_client, school):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))
    pupil.surname = "O'Neill <b>"
    pupil.save()

    html = senco_client.get("/funding/pupils/", {"period": "ay:2025"}).content.decode()

    assert f'/">{escape(pupil.forename)} O&#x27;Neill &lt;b&gt;</a>' in html
    assert "<b>" not in html


def _count(client, url, params=None) -> int:
    client.get(url, params or {})  # the first request of a session also saves the session
    current_summaries()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_query_count_does_not_grow_with_pupils_or_provision(head_client, school):
    _world(school, 2)
    small = _count(head_client, URL)
    _world(school, 20, extra_rows=3)
    assert _count(head_client, URL) == small


def test_the_governor_dashboard_query_count_does_not_grow(governor_client, school):
    _world(school, 2)
    small = _count(governor_client, URL)
    _world(school, 15, extra_rows=2)
    assert _count(governor_client, URL) == small


def test_the_pupil_list_query_count_does_not_grow(head_client, school):
    _world(school, 2)
    small = _count(head_client, "/funding/pupils/")
    _world(school, 20, extra_rows=2)
    assert _count(head_client, "/funding/pupils/") == small


def test_an_htmx_period_change_returns_only_the_figures(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("3650"))

    response = head_client.get(URL, {"period": "ay:2024"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="figures"')
    assert "<html" not in html
    assert "£3,650" in html


def test_an_htmx_request_with_bad_dates_shows_the_message_in_the_figures(head_client, school):
    response = head_client.get(
        URL,
        {"period": "custom", "start": "2025-10-01", "end": "2025-09-01"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()


def test_only_funding_editors_get_the_manage_funding_link(head_client, governor_client, school):
    assert "Manage funding and top-ups" in head_client.get(URL).content.decode()
    assert "Manage funding and top-ups" not in governor_client.get(URL).content.decode()


# --- The figures region is rendered once per stored summary and kept in the cache -----------


def _figures(response) -> str:
    html = response.content.decode()
    return html[html.index('<div id="figures"') : html.index("</main>")]


def test_the_figures_are_rendered_once_then_served_from_the_cache_until_a_write(
    head_client, school
):
    # As the first test: need 7,300 a year over 190 school days, 72 of them in autumn 2025:
    # 7,300 x 72/190 = 2,766.32. Funding 3,650 over 2025/26's financial year by calendar
    # day: 3,650 x 122/365 = 1,220.00; a second 3,650 source makes 2,440.00.
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    funding = {"period_start": dt.date(2025, 4, 1), "period_end": dt.date(2026, 3, 31)}
    FundingSourceFactory(school=school, amount=Decimal("3650.00"), **funding)
    head_client.get(URL)  # builds and keeps the term's summary

    with CaptureQueriesContext(connection) as rendered:
        first = head_client.get(URL)
    with CaptureQueriesContext(connection) as kept:
        second = head_client.get(URL)

    assert "gap" in first.context  # the engine's answer, rendered
    # The kept page (sendfund.lib.kept): no engine, no template at all.
    assert second.context is None
    assert not second.templates
    assert "funding/_dashboard_body.html" in {t.name for t in first.templates}
    assert len(kept) < len(rendered)
    assert _figures(second) == _figures(first)
    assert "£2,766" in _figures(second) and "£1,220" in _figures(second)

    FundingSourceFactory(school=school, amount=Decimal("3650.00"), **funding)
    rebuilt = head_client.get(URL)  # the write deleted the summary: built again
    head_client.get(URL)  # rendered from the new summary and kept
    third = head_client.get(URL)

    assert to_pennies(rebuilt.context["gap"].funding) == Decimal("2440.00")
    assert third.context is None
    assert "£2,440" in _figures(third) and "£1,220" not in _figures(third)


def test_a_governor_is_never_served_the_sencos_kept_figures(senco_client, governor_client, school):
    # Neither may edit funding: only pupil names tell their figures apart.
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))  # over the threshold
    for _ in range(3):
        senco = senco_client.get(URL)
    for _ in range(3):
        governor = governor_client.get(URL)

    assert escape(pupil.full_name) in _figures(senco)  # the SENCO's shortfall list names the pupil
    assert escape(pupil.full_name) not in governor.content.decode()
    assert "Pupil names are shown only to the SENCO and the head." in _figures(governor)


def test_a_custom_date_range_is_computed_on_every_request(head_client, school):
    pupil_with_provision(school, annual_cost=Decimal("7300"))
    params = {"period": "custom", "start": "2025-10-01", "end": "2025-10-31"}
    for _ in range(3):
        response = head_client.get(URL, params)
        assert "gap" in response.context


def test_a_tables_rows_are_written_escaped_with_money_and_counts_formatted():
    from funding.dashboard import Table

    table = Table(
        "t",
        "Title",
        ["Group", "Pupils", "Need"],
        [["Speech & <language>", 1234, Decimal("12345.675")], ["Total", "", Decimal("0")]],
        money={2},
    )
    assert table.html_rows() == [
        '<th scope="row" class="fw-normal">Speech &amp; &lt;language&gt;</th>'
        '<td class="num">1,234</td><td class="num">£12,345.68</td>',
        '<th scope="row" class="fw-normal">Total</th><td class="num"></td>'
        '<td class="num">£0.00</td>',
    ]


def test_a_whole_table_is_written_escaped_with_its_csv_link_and_note():
    from funding.dashboard import Table

    table = Table(
        "by_need",
        "Need by <primary> need",
        ["Group", "Pupils & more", "Need"],
        [["Total", "", Decimal("0")]],
        money={2},
        note="c: fewer than <5>",
        query="period=term%3A2025%3A1&x=<y>",
    )
    html = str(table.html())
    assert html.startswith(
        '<div class="table-responsive"><table class="table table-sm align-middle"'
        ' id="table-by_need"><caption class="caption-top">Need by &lt;primary&gt; need <a '
    )
    assert (
        'href="?period=term%3A2025%3A1&amp;x=&lt;y&gt;&amp;format=csv&amp;table=by_need"'
        ' data-testid="csv-by_need">Download CSV<span class="visually-hidden">: Need by'
        " &lt;primary&gt; need</span></a></caption>"
    ) in html
    assert (
        '<thead><tr><th scope="col">Group</th><th scope="col" class="num">Pupils &amp; more</th>'
        '<th scope="col" class="num">Need</th></tr></thead>'
    ) in html
    assert f"<tbody><tr>{table.html_rows()[0]}</tr></tbody></table>" in html
    assert html.endswith('<p class="small text-body-secondary">c: fewer than &lt;5&gt;</p></div>')
    # No query (a page that offers no CSV): no link; no rows: the empty row; no note: none.
    bare = str(Table("t", "T", ["A", "B"], []).html())
    assert "Download CSV" not in bare and "<p" not in bare
    assert '<tbody><tr><td colspan="2">Nothing in this period.</td></tr></tbody>' in bare


@pytest.mark.parametrize("only_over", [False, True])
def test_the_pupil_lists_compiled_pages_are_the_stored_rows(school, only_over):
    """funding.gap.pupil_threshold_list pages through a stored summary's rows with a compiled
    count and page: the same rows, in the same order, as the stored queryset filtered."""
    from django.core.paginator import Paginator

    from funding import gap_store
    from funding.gap import OVER_THRESHOLD, pupil_threshold_list, threshold_on
    from sendfund.lib.periods import term, term_for_date
    from sendfund.lib.sql import CompiledList

    _world(school, 7)
    period = term(*term_for_date(TODAY))
    threshold = threshold_on(period.start)
    listed = pupil_threshold_list(
        school=school, period=period, threshold=threshold, only_over=only_over
    )
    assert isinstance(listed, CompiledList)
    stored = gap_store.pupil_rows(school, period, threshold)
    stored = stored.filter(OVER_THRESHOLD if only_over else Q(cost__gt=0))
    mine, theirs = Paginator(listed, 2), Paginator(stored, 2)
    assert mine.count == theirs.count > 0
    for number in theirs.page_range:
        assert list(mine.page(number)) == list(theirs.page(number))


def test_the_dashboards_pupil_lists_from_the_stored_rows_match_the_querysets(school):
    """The shortfall and EHC-candidate lists, read through compiled queries from the stored
    rows, are what the stored queryset gives, in the same order."""
    from funding import dashboard as dash
    from funding import gap_store
    from funding.gap import compute_gap, threshold_figures, threshold_on
    from sendfund.lib.periods import term, term_for_date

    _world(school, 12)
    period = term(*term_for_date(TODAY))
    compute_gap(school=school, period=period)  # stored
    threshold = threshold_on(period.start)
    tables = dash.pupil_tables(school, period, threshold)
    stored = gap_store.pupil_rows(school, period, threshold)
    for name, pick in (("shortfall", dash._shortfall), ("candidates", dash._candidates)):
        expected = threshold_figures(pick(stored)[: dash.PUPIL_LIST_LENGTH])
        assert [row[0] for row in tables[name].rows] == [p.full_name for p in expected]
        assert [row[2] for row in tables[name].rows] == [p.cost for p in expected]
    # By hand: autumn 2025 is 72 of the default calendar's 190 days; the line is
    # 6,000 x 72/190 = 2,273.68. The SEN support pupils (even i) cost 4,000 + 1,000 x (i mod 5)
    # a year: 4,000 to 8,000, so 1,515.79 to 3,031.58 in the term; above the line are those
    # at 7,000 (2,652.63) and 8,000 (3,031.58), 6,000 being exactly at it.
    costs = [to_pennies(row[2]) for row in tables["candidates"].rows]
    assert costs == [Decimal("3031.58"), Decimal("2652.63")]


def test_the_trend_chart_draws_each_terms_bars_to_scale_and_titles_them():
    from funding.dashboard import TrendPoint, trend_chart
    from sendfund.lib.periods import term

    autumn, spring = term(2025, "autumn"), term(2025, "spring")
    chart = trend_chart(
        [
            TrendPoint(autumn, Decimal("1000.40"), Decimal("500"), None),
            TrendPoint(spring, Decimal("250"), None, None),  # funding withheld: "c", no bar
        ]
    )
    svg = str(chart["bars_svg"])
    # Plot height 260 - 20 - 40 = 200 px for the peak, £1,000.40: autumn's need bar is the
    # full 200 from y = 20; its funding 500 / 1,000.40 x 200 = 99.96 -> 100.0 px from y =
    # 220 - 99.96 = 120.04 -> 120.0. Two terms share 700 px: 350 each, bars 115.5 wide from
    # x = 52.5 (need) and 168.0 (funding), spring's from 402.5; spring's need is 250 /
    # 1,000.40 x 200 = 49.98 -> 50.0 px high from y = 170.02 -> 170.0. A term's name is
    # centred under the edge its two bars share: autumn's at 52.5 + 115.5 = 168.0.
    assert '<rect x="52.5" y="20.0" width="115.5" height="200.0" fill="#343a40">' in svg
    assert '<rect x="168.0" y="120.0" width="115.5" height="100.0" fill="url(#hatch)"' in svg
    assert '<rect x="402.5" y="170.0" width="115.5" height="50.0" fill="#343a40">' in svg
    assert f"<title>{autumn.label} need £1,000</title>" in svg
    assert f"<title>{autumn.label} funding £500</title>" in svg
    assert f"<title>{spring.label} funding c</title>" in svg
    assert '<rect x="518.0" y="220.0" width="115.5" height="0.0" fill="url(#hatch)"' in svg
    first, second = autumn.label.split(" ", 1)
    label = f'<tspan x="168.0" dy="0">{first}</tspan><tspan x="168.0" dy="14">{second}</tspan>'
    assert label in svg


def test_a_breakdowns_shares_draw_as_labelled_bars():
    from funding.dashboard import Table

    table = Table(
        "by_area",
        "Need by broad area",
        ["Area", "Need"],
        [],
        bars=[("Cognition & learning", Decimal("62.55")), ("<b>", Decimal("37.45"))],
    )
    html = str(table.bars_html())
    # 62.55% of a 200 px bar is 125.1 -> 125 px, shown to one place (half up): 62.6%;
    # 37.45% -> 74.9 -> 75 px, 37.5%.
    assert 'aria-label="Share of need by broad area (the table has the figures)"' in html
    assert 'aria-label="Cognition &amp; learning: 62.6%"' in html
    assert '<rect x="0" y="1" height="10" width="125" fill="#3b5bdb">' in html
    assert '<span class="money">62.6%</span>' in html
    assert '<rect x="0" y="1" height="10" width="75" fill="#3b5bdb">' in html
    assert "&lt;b&gt;: 37.5%" in html and "<b>" not in html
    assert Table("t", "T", ["A"], []).bars_html() == ""


def test_the_dashboards_pupil_lists_link_each_name_to_the_pupils_page(
    head_client, governor_client, school
):
    pupil = pupil_with_provision(school, annual_cost=Decimal("7300"))  # 1,300 above, no top-up
    link = f'<a href="/pupils/{pupil.public_id}/">{escape(pupil.full_name)}</a>'

    html = head_client.get(URL, {"period": "ay:2025"}).content.decode()
    shortfall = html[html.index('id="table-shortfall"') :]
    assert link in shortfall[: shortfall.index("</table>")]

    governor_html = governor_client.get(URL, {"period": "ay:2025"}).content.decode()
    assert f"/pupils/{pupil.public_id}/" not in governor_html


def test_the_pupil_list_says_so_when_no_pupil_has_provision_in_the_period(head_client, school):
    # A page of no rows is falsy in a template: the table and its empty row must still show.
    response = head_client.get(
        "/funding/pupils/", {"period": "custom", "start": "2023-01-01", "end": "2023-03-31"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "0 pupils with provision in the period" in html
    assert "No pupil has costed provision in this period." in html
