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
# Badge uploads to the public /verify page per client address (each is parsed and its signature checked).
VERIFY_RATE_LIMIT = "20 per minute;200 per hour"
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True


# Open Badges: the default issuer (the prefecture's programme office) and where signing keys live
# (instance/keys/ unless set). Every id in a credential is built from BASE_URL (ENSHU_BASE_URL).
BASE_URL = "http://127.0.0.1:5000"
# Host names a request may be addressed to; any other Host header is refused (400). None: the host of
# BASE_URL (every loopback name when BASE_URL is on this machine). Set a list to add names.
TRUSTED_HOSTS = None
BADGE_ISSUER_NAME_JA = "北海道 デジタル人材育成プログラム事務局"
BADGE_ISSUER_NAME_EN = "Hokkaido Digital Talent Programme Office"
BADGE_ISSUER_URL = "https://www.pref.hokkaido.lg.jp/"
BADGE_ISSUER_EMAIL = "dx-talent@example.jp"
# True: the default issuer is a did:key (verifiable fully offline, but its key cannot be rotated).
BADGE_ISSUER_DID_KEY = False
