"""Sets request.school and request.role from the signed-in user's memberships."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from django.db import connection, models

from sendfund.lib.sql import Prepared, model_columns, model_from_row
from sendfund.schools.models import LocalAuthority, Membership, School, Trust, TrustMembership
from sendfund.schools.roles import Role

SESSION_KEY = "sendfund_school"


_MODELS = (School, Trust, LocalAuthority)


def _columns(model, alias: str) -> str:
    """model_columns, with UUIDs read as text: psycopg2 makes a uuid.UUID of each, 402 for a
    trust lead's 201 schools every request, and only the schools built need them
    (SchoolChoices._build turns them back)."""
    return ", ".join(
        f'{alias}."{f.column}"::text'
        if isinstance(f, models.UUIDField)
        else f'{alias}."{f.column}"'
        for f in model._meta.concrete_fields
    )


@functools.cache
def _layout() -> dict:
    """Each model's place in a row of the query: (first column, past its last, the places of
    its UUIDs, read as text by _columns)."""
    layout, start = {}, 0
    for model in _MODELS:
        fields = model._meta.concrete_fields
        uuids = tuple(start + i for i, f in enumerate(fields) if isinstance(f, models.UUIDField))
        layout[model] = (start, start + len(fields), uuids)
        start += len(fields)
    return layout


def _instance(model, row: tuple):
    """The `model` instance whose columns are in `row`, its UUIDs turned back from text."""
    start, end, uuids = _layout()[model]
    values = list(row[start:end])
    for i in uuids:
        if values[i - start] is not None:
            values[i - start] = uuid.UUID(values[i - start])
    return model_from_row(model, values)


def _role(row: tuple) -> str:
    """The membership's role (the row's last column); none: the school is the trust's."""
    return row[-1] or Role.TRUST_LEAD


@functools.cache
def _relations():
    return School._meta.get_field("trust"), School._meta.get_field("local_authority")


def _schools_sql() -> str:
    school, trust, la = (connection.ops.quote_name(m._meta.db_table) for m in _MODELS)
    membership = connection.ops.quote_name(Membership._meta.db_table)
    trust_membership = connection.ops.quote_name(TrustMembership._meta.db_table)
    return (
        f"SELECT {_columns(School, 's')}, {_columns(Trust, 't')},"  # noqa: S608
        f" {_columns(LocalAuthority, 'la')}, m.role"
        f" FROM {school} s"
        f" JOIN {la} la ON la.id = s.local_authority_id"
        f" LEFT JOIN {trust} t ON t.id = s.trust_id"
        f" LEFT JOIN {membership} m ON m.school_id = s.id AND m.user_id = $1"
        f" WHERE m.id IS NOT NULL OR EXISTS (SELECT 1 FROM {trust_membership} tm"
        "  WHERE tm.trust_id = s.trust_id AND tm.user_id = $1)"
        " ORDER BY s.name, s.id"
    )


_SCHOOLS = Prepared("schools_with_roles", _schools_sql)


def _user_and_schools_sql() -> str:
    """The user by primary key ($1), then every school they may open (the query above), in
    one statement: a first column 0 on the user's row and 1 on each school's, the user's
    columns next (NULL on a school's row) and the school's row after them (NULL on the user's).
    (Each of a trust lead's 201 school rows carrying the user's columns, as a join would
    give them, took 1.5 ms more to read. As it is, the lead's lookup takes about 0.5 ms more
    than the two apart, on one machine with PostgreSQL local; a head's 0.1-0.2 ms less, and
    each saves a round trip to the database server.)"""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    table = connection.ops.quote_name(user_model._meta.db_table)
    pk = connection.ops.quote_name(user_model._meta.pk.column)
    user_width = len(user_model._meta.concrete_fields)
    school_width = _layout()[_MODELS[-1]][1] + 1  # the three models' columns and the role
    schools = _schools_sql().rsplit(" ORDER BY ", 1)[0]
    at = _row_at()
    # The school's name and id by their places in the row (the joined trust's and
    # authority's columns have the same names).
    order = f"1, {2 + user_width + at['name']}, {2 + user_width + at['id']}"
    return (
        f"SELECT 0, {model_columns(user_model, 'u')}, {', '.join(['NULL'] * school_width)}"  # noqa: S608
        f" FROM {table} u WHERE u.{pk} = $1"
        f" UNION ALL SELECT 1, {', '.join(['NULL'] * user_width)}, sc.* FROM ({schools}) sc"
        f" ORDER BY {order}"
    )


_USER_AND_SCHOOLS = Prepared("user_and_schools", _user_and_schools_sql)
# Set on the user by user_and_schools and taken once by CurrentSchoolMiddleware.
_PREFETCHED = "_sendfund_school_rows"


def user_and_schools(pk):
    """The user whose primary key is `pk` (or None), read in one query with the rows of every
    school they may open, which the user carries until CurrentSchoolMiddleware takes them:
    a signed-in request reads its user and its schools in one round trip instead of two."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    rows = _USER_AND_SCHOOLS.fetch([pk])
    if not rows or rows[0][0] != 0:
        return None
    user = model_from_row(user_model, rows[0], offset=1)
    skip = 1 + len(user_model._meta.concrete_fields)
    setattr(user, _PREFETCHED, [row[skip:] for row in rows[1:]])
    return user


@dataclass(frozen=True, slots=True)
class SchoolListing:
    """A school as a list shows it: what the switcher and the trust view read of each of a
    person's schools (SchoolChoices.listing), without its instance."""

    pk: int
    public_id: str
    name: str
    trust_id: int | None


def listing(choices) -> list:
    """The schools of `choices` as lists read them: SchoolChoices' light rows, or the schools
    themselves when given a plain list (as tests do)."""
    return choices.listing() if hasattr(choices, "listing") else list(choices)


class SchoolChoices(Sequence):
    """Every school a user may open, each with `.role` set, from one row each of the query
    below: a school's instance (with its trust and local authority) is built the first time it
    is asked for. A request needs one of them, its school; the rest only when a page lists
    them (the school switcher, the trust view). A trust lead's 201 schools took 3.9-4.8 ms a
    request to build, more than the kept trust view's whole page otherwise (issue #10).
    `signature()` and `roles()` read the rows, building nothing."""

    def __init__(self, rows: list[tuple]) -> None:
        self._rows = rows
        self._built: list[School | None] = [None] * len(rows)
        # A trust lead's 200 schools share one trust and a few LAs: one instance of each.
        self._trusts: dict = {}
        self._authorities: dict = {}
        self._listing: list[SchoolListing] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> School: ...
    @overload
    def __getitem__(self, index: slice) -> list[School]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        school = self._built[index]
        if school is None:
            school = self._built[index] = self._build(self._rows[index])
        return school

    def __iter__(self) -> Iterator[School]:
        return (self[i] for i in range(len(self)))

    def find(self, public_id: str | None) -> School | None:
        """The school whose public id (as text) is `public_id`, or None."""
        if public_id:
            at = _row_at()["public_id"]
            for i, row in enumerate(self._rows):
                if row[at] == public_id:
                    return self[i]
        return None

    def signature(self) -> tuple:
        """(pk, public id as text, name, role) of every school, in order."""
        at = _row_at()
        pk, public_id, name = at["id"], at["public_id"], at["name"]
        return tuple((row[pk], row[public_id], row[name], _role(row)) for row in self._rows)

    def roles(self) -> set[str]:
        return {_role(row) for row in self._rows}

    def listing(self) -> list[SchoolListing]:
        """Every school as a list shows it (the school switcher, the trust view), read from
        the rows: no instance built. A trust lead's pages list 201 schools."""
        if self._listing is None:
            at = _row_at()
            pk, public_id, name, trust = at["id"], at["public_id"], at["name"], at["trust_id"]
            self._listing = [
                SchoolListing(row[pk], row[public_id], row[name], row[trust]) for row in self._rows
            ]
        return self._listing

    def _build(self, row: tuple) -> School:
        # Each trust and authority is built once (with its UUIDs) and shared by its schools.
        school = _instance(School, row)
        trust_field, la_field = _relations()
        if school.trust_id not in self._trusts:
            self._trusts[school.trust_id] = _instance(Trust, row)
        trust_field.set_cached_value(school, self._trusts[school.trust_id])
        if school.local_authority_id not in self._authorities:
            self._authorities[school.local_authority_id] = _instance(LocalAuthority, row)
        la_field.set_cached_value(school, self._authorities[school.local_authority_id])
        school.role = _role(row)
        return school


@functools.cache
def _row_at() -> dict[str, int]:
    """Each School column's place in a row of the query (model_columns order)."""
    return {f.attname: i for i, f in enumerate(School._meta.concrete_fields)}


def school_choices(user) -> SchoolChoices:
    """Every school the user may open, in one query.

    A direct membership decides the role; a school reached only through a trust the user leads
    is opened as trust lead. Every signed-in request asks this (CurrentSchoolMiddleware checks
    the school in the session against it), so the SQL is written once here and planned once
    per connection (sendfund.lib.sql.Prepared) rather than built by the ORM each time. The
    schools come back as ordinary instances with their trust and local authority loaded (as
    select_related would, but one instance of each trust and authority shared by its
    schools), tested against the ORM's answer.
    """
    return SchoolChoices(_SCHOOLS.fetch([user.pk]))


def _request_choices(user) -> SchoolChoices:
    """The schools read with the user at the start of this request (user_and_schools), taken
    so that a later call reads them afresh; else school_choices."""
    rows = getattr(user, _PREFETCHED, None)  # through request.user's lazy wrapper
    if rows is None:
        return school_choices(user)
    delattr(user, _PREFETCHED)
    return SchoolChoices(rows)


def schools_with_roles(user) -> list[School]:
    """Every school the user may open, each with `.role` set (school_choices, all built)."""
    return list(school_choices(user))


class CurrentSchoolMiddleware:
    """The school comes from the session and is checked against the memberships every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.school = None
        request.role = None
        request.school_choices = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            choices = _request_choices(user)
            request.school_choices = choices
            chosen = choices.find(request.session.get(SESSION_KEY))
            if chosen is None and choices:
                chosen = choices[0]
                request.session[SESSION_KEY] = str(chosen.public_id)
            if chosen is not None:
                request.school = chosen
                request.role = chosen.role
        return self.get_response(request)
