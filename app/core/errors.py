"""Error pages in the user's language, never a stack trace."""

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

_MESSAGES = {
    400: (_l("The request could not be processed"), _l("Please go back and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should, ask your programme office (事務局).")),
    404: (_l("Page not found"), _l("The page does not exist, or you do not have access to it.")),
    413: (_l("The file is too large"),
          _l("Each attachment may be at most %(mb)s MB. Please make the file smaller and try again.")),
    429: (_l("Too many attempts"), _l("Please wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you sent was lost. Please try again in a moment.")),
}


def init_app(app: Flask) -> None:
    def render_error(code: int, message_override=None):
        title, message = _MESSAGES[code]
        if code == 413:
            message = _l("Each attachment may be at most %(mb)s MB. Please make the file smaller and try again.",
                         mb=app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024))
        return render_template("errors/error.html", code=code, title=title,
                               message=message_override or message), code

    for code in (400, 403, 404, 413, 429, 500):
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_error(400, _l("The form had expired. Please reload the page and send it again."))
