from blinker import Namespace

_signals = Namespace()

# Sent inside the reviewing transaction with `session` and `submission`; listeners flush, never commit.
submission_accepted = _signals.signal("submission-accepted")

# Sent inside the reviewing transaction for every decision (accepted or returned), with `session`, `review`
# and `now`; listeners flush, never commit. The notifications feature tells the learner.
review_decided = _signals.signal("review-decided")
