"""Who may open which route. Every view declares a rule; a view without one is refused
(deny by default), and per-object checks go through `ensure`."""

from functools import wraps
from typing import Callable

from flask import abort, current_app
from flask_login import current_user

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def _declare(rule: str | tuple, view: Callable, check: Callable[[], bool] | None) -> Callable:
    @wraps(view)
    def guarded(*args, **kwargs):
        if check is not None:
            if not current_user.is_authenticated:
                # The app's own login manager (set by Flask-Login): core stays below app.extensions.
                return current_app.login_manager.unauthorized()
            if not check():
                abort(403)
        return view(*args, **kwargs)

    guarded.access_rule = rule
    return guarded


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    return _declare(PUBLIC, view, None)


def signed_in(view: Callable) -> Callable:
    """Any signed-in user; the view checks objects with `ensure`."""
    return _declare(AUTHENTICATED, view, lambda: True)


def roles(*allowed: str) -> Callable[[Callable], Callable]:
    """Signed-in users whose role is one of `allowed`."""
    def decorator(view: Callable) -> Callable:
        return _declare(tuple(allowed), view, lambda: current_user.role in allowed)
    return decorator


def ensure(allowed: bool) -> None:
    """Per-object check. Refuses with 404 so that other people's objects are not even confirmed."""
    if not allowed:
        abort(404)
