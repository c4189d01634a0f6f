"""The badges blueprint: one module per group of pages, all registering on the same `bp` so that
endpoint names stay `badges.<view>`."""

from app.badges.views import documents, issuers, manage, pages, wallet  # noqa: F401  (routes register on bp)
from app.badges.views.blueprint import bp

__all__ = ["bp"]
