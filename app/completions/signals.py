from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that wrote the record, with `session` and `record`.
# The badge module listens to it; completions never imports badges.
completion_recorded = _signals.signal("completion-recorded")
