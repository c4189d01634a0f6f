from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that marked a course done, with `session`, `user`, `course` and `now`;
# listeners flush, never commit. Learning paths that accept self-reported steps listen.
course_marked_done = _signals.signal("course-marked-done")

# Sent inside the transaction that removed a learner's mark of a course, with `session`, `user`, `course` and
# `now`; listeners flush, never commit. Learning paths flag the level badges that listed the course.
course_unmarked = _signals.signal("course-unmarked")

# Sent with `session`, `user_id` and `course_ids` (courses the learner marked done) before the catalogue shows
# them. Each listener returns {course_id: True if un-marking it revokes a badge, False if it flags one}: the
# catalogue asks, so that the learner knows before un-marking; learning paths answer.
course_unmark_consequences = _signals.signal("course-unmark-consequences")
