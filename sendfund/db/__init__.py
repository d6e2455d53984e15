"""sendfund's database backend: Django's PostgreSQL backend with a cheaper health check
(see base.py). settings.DATABASES names it as ENGINE "sendfund.db"."""
