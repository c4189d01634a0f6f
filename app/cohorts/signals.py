from blinker import Namespace

_signals = Namespace()

# Sent with `session`, `cohort_id` and `due_dates` ({exercise_id: the new, earlier due date}) before a
# schedule change is written. Each listener returns {exercise_id: [names of the learners whose work
# for it was submitted after the new date]}: the cohort asks, the features above it that hold the
# work answer (app/submissions/listeners.py).
due_dates_moving_earlier = _signals.signal("due-dates-moving-earlier")

# Sent with `session`, `enrolment` and `target` (the cohort it moves to) before a learner moves to another
# cohort: what ties the enrolment to its old cohort (its group, app/groups/listeners.py) lets go.
enrolment_moving = _signals.signal("enrolment-moving")

# Sent with `session` and `enrolment` when a learner on a cohort's waiting list is enrolled (a seat came
# free, or an organizer admitted them), before the request commits: the hook for telling them.
enrolled_from_waiting_list = _signals.signal("enrolled-from-waiting-list")
