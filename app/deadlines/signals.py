from blinker import Namespace

_signals = Namespace()

# Sent inside the deciding transaction with `session`, `extensions` (the Extension rows just decided: a request
# approved or declined, an extension granted directly, or the extensions of one bulk extension) and `now`;
# listeners flush, never commit. The notifications feature tells each learner.
extensions_decided = _signals.signal("extensions-decided")
