"""Default configuration. `instance/config.py` and ENSHU_* environment variables override it."""

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Several attachments fit in one request; the per-file limit above is checked per file.
MAX_CONTENT_LENGTH = 5 * MAX_ATTACHMENT_BYTES + 1024 * 1024
MAX_ANSWER_CHARS = 50_000

BABEL_DEFAULT_LOCALE = "ja"
BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
LANGUAGES = ("ja", "en")

SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

# Signed, expiring links (invitation and password reset), in seconds.
INVITATION_MAX_AGE = 14 * 24 * 3600
PASSWORD_RESET_MAX_AGE = 2 * 3600

# Login attempts per client address; storage is memory unless a Redis URL is configured.
LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True

ENSHU_BASE_URL = "http://127.0.0.1:5000"
