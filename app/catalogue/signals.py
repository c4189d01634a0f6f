from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that marked a course done, with `session`, `user`, `course` and `now`;
# listeners flush, never commit. Learning paths that accept self-reported steps listen.
course_marked_done = _signals.signal("course-marked-done")
