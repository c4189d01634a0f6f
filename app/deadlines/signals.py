"""News from deadlines for the features above (notifications tell the learner)."""

from blinker import Namespace

_signals = Namespace()

# sender: the Extension just approved or declined; kwargs: session, now.
extension_decided = _signals.signal("extension-decided")
