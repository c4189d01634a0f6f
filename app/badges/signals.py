from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that signs a credential (at once, or on an organizer's approval), with
# `session`, `credential` and `now`; listeners flush, never commit. The notifications feature tells the learner.
credential_issued = _signals.signal("credential-issued")
