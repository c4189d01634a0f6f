from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that signs a credential (at once, or on an organizer's approval), with
# `session`, `credential` and `now`; listeners flush, never commit. The notifications feature tells the learner.
credential_issued = _signals.signal("credential-issued")

# Sent inside the transaction that revoked a credential, with `session`, `credential`, `actor` and `now`;
# listeners flush, never commit. Learning paths flag (and may revoke) the level badges built on it.
credential_revoked = _signals.signal("credential-revoked")
