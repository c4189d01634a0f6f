from blinker import Namespace

_signals = Namespace()

# Sent inside the submitting transaction with `session`, `version` (the new SubmissionVersion) and `now`,
# once the version is written; listeners flush, never commit. The notifications feature tells the mentors.
version_submitted = _signals.signal("version-submitted")
