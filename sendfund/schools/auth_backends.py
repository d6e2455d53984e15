"""Authentication backends: Django's and allauth's, with the signed-in user read by SQL.

AuthenticationMiddleware loads the user on every signed-in request through the backend that
signed them in (its dotted path is kept in the session). Django's `get_user` builds a
`User.objects.get(pk=...)` through the ORM each time; these read the same row with one SELECT
written once and make the same User (Model.from_db), with the same check that the account may
still sign in (an inactive user gets no session). The same SELECT brings the schools the user
may open, which CurrentSchoolMiddleware needs next (sendfund.schools.middleware.user_and_schools).
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError

from sendfund.schools.middleware import user_and_schools


class FastGetUser:
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except (ValidationError, TypeError, ValueError):  # a malformed id signs no one in
            return None
        user = user_and_schools(pk)  # and their schools, for CurrentSchoolMiddleware
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(FastGetUser, DjangoModelBackend):
    pass


class AuthenticationBackend(FastGetUser, AllauthBackend):
    pass
