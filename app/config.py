"""Default configuration. `instance/config.py` and ENSHU_* environment variables override it."""

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Several attachments fit in one request; the per-file limit above is checked per file.
MAX_CONTENT_LENGTH = 5 * MAX_ATTACHMENT_BYTES + 1024 * 1024
MAX_ANSWER_CHARS = 50_000
# How long a mentor's claim on a submission holds before another mentor may take it over.
REVIEW_CLAIM_MINUTES = 30
# A mentor's feedback; checked when a draft of it is saved.
MAX_FEEDBACK_CHARS = 50_000

BABEL_DEFAULT_LOCALE = "ja"
BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
LANGUAGES = ("ja", "en")

SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

# Password hashing, one of argon2-cffi's profiles: RFC_9106_LOW_MEMORY (argon2id, 64 MiB, 3 passes, about
# 0.1 s of a core per sign-in) or RFC_9106_HIGH_MEMORY (2 GiB). CHEAPEST is for the test suite only.
PASSWORD_HASHING = "RFC_9106_LOW_MEMORY"

# Signed, expiring links (invitation and password reset), in seconds.
INVITATION_MAX_AGE = 14 * 24 * 3600
PASSWORD_RESET_MAX_AGE = 2 * 3600

# Rate limits live in RATELIMIT_STORAGE_URI: memory:// counts per worker process; with several
# workers or hosts use Redis (e.g. "redis://127.0.0.1:6379") so that they all count together.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = False
# If that Redis cannot be reached, pages still answer: limits are counted in each process meanwhile
# (the sign-in throttle does the same, app/auth/throttle.py), and a lost Redis is noticed within a second.
RATELIMIT_SWALLOW_ERRORS = True
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}

# Background jobs (mail, badge signing): None runs them inline right after the commit. A Redis URL
# (e.g. "redis://127.0.0.1:6379/1") puts them on the RQ queue JOBS_QUEUE there, done by `flask jobs work`
# on any host; a failed job is tried again after each of JOBS_RETRY_INTERVALS seconds.
JOBS_REDIS_URL = None
JOBS_QUEUE = "enshu"
JOBS_RETRY_INTERVALS = (10, 60, 300, 1800)
# Badge uploads to the public /verify page per client address (each is parsed and its signature checked).
VERIFY_RATE_LIMIT = "20 per minute;200 per hour"
# Wrong join codes (typed in, or in a /join/ link) per signed-in learner: codes carry 40 random bits, so at
# this pace guessing one would take longer than any cohort runs.
JOIN_CODE_RATE_LIMIT = "10 per minute;30 per hour"
# Sign-in attempts per account (counted whether or not the account exists; a success clears them)
# and failed sign-ins per client address. When one is used up, sign-in pauses until its window ends.
LOGIN_ATTEMPTS_PER_ACCOUNT = "10 per 15 minutes"
LOGIN_FAILURES_PER_ADDRESS = "30 per 15 minutes"
# Password reset requests per client address (each one may send mail).
PASSWORD_RESET_REQUEST_LIMIT = "5 per minute;20 per hour"

# Behind a reverse proxy: how many proxies' X-Forwarded-For / X-Forwarded-Proto entries to trust
# (werkzeug's ProxyFix). 0 trusts none, so a client cannot choose the address it is counted by.
PROXY_FIX_X_FOR = 0
PROXY_FIX_X_PROTO = 0

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
# None: Secure cookies exactly when BASE_URL is https (as in production).
SESSION_COOKIE_SECURE = None
REMEMBER_COOKIE_SECURE = None
# Strict-Transport-Security max-age, sent when BASE_URL is https; 0 sends none.
HSTS_MAX_AGE = 365 * 24 * 3600


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

# True only under bench/pages.py: adds the floor pages /_bench/healthz and /_bench/query50 (app/seed/floor.py).
BENCH_FLOOR_PAGES = False

# Organizer's home: a learner of a running cohort is "stalled" after this many days without submitting,
# and a submission has "waited too long" for review after this many days.
HOME_STALLED_AFTER_DAYS = 14
HOME_REVIEW_WAIT_DAYS = 7
