from blinker import Namespace

_signals = Namespace()

# Sent with `session` and `group_id` before a group is deleted. Each listener returns how many pieces of
# work the group holds: the group asks, the features above it that hold the work answer
# (app/submissions/listeners.py).
group_work_count = _signals.signal("group-work-count")
