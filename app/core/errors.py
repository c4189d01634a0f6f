"""Error pages in the user's language, never a stack trace."""

from flask import Flask, Response, render_template
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import scoped_session

from app.core import transaction

_MESSAGES = {
    400: (_l("The request could not be processed"), _l("Please go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should, ask your programme office (事務局).")),
    404: (_l("Page not found"), _l("The page does not exist, or you do not have access to it.")),
    413: (_l("The file is too large"),
          _l("Each attachment may be at most %(mb)s MB. Please make the file smaller and try again.")),
    429: (_l("Too many attempts"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("What you just sent may not have been saved. Please check the page, and try again in a "
             "moment if it is not there.")),
}


def init_app(app: Flask, session: scoped_session) -> None:
    def render_error(code: int, message_override=None):
        # Whatever the failed request had changed goes first, so the page itself can still read the
        # database (after a failed statement the session refuses every query until it is rolled back).
        transaction.rollback(session)
        title, message = _MESSAGES[code]
        if code == 413:
            message = _l("Each attachment may be at most %(mb)s MB. Please make the file smaller and try again.",
                         mb=app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024))
        if request_ctx and request_ctx.url_adapter is None:
            # The request named a host we do not serve (TRUSTED_HOSTS): no page links can be built for it.
            return Response(f"{title}\n\n{message_override or message}\n", status=code, mimetype="text/plain")
        return render_template("errors/error.html", code=code, title=title,
                               message=message_override or message), code

    # An exception may carry the reason to show (app.core.inputs.ControlCharacters does).
    for code in (400, 403, 404, 413, 429, 500):
        app.register_error_handler(code, lambda e, code=code: render_error(code, getattr(e, "user_message", None)))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(400, _l("The form had expired. Please reload the page and send it again."))
