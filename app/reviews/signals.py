from blinker import Namespace

_signals = Namespace()

# Sent inside the reviewing transaction with `session` and `submission`; listeners flush, never commit.
submission_accepted = _signals.signal("submission-accepted")
