"""The dashboard, the review queue and the progress table run a fixed number of queries,
however many learners or submissions there are (no N+1)."""

import pytest
from sqlalchemy import event

from app.auth.models import Role
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.submissions.services import submit_version


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def _populate(app, make, mentor, learners: int, cohorts: int = 1):
    storage = FileStorage(app.config["STORAGE_DIR"])
    watched = make.user(Role.LEARNER)
    for _ in range(cohorts):
        people = [watched] + [make.user(Role.LEARNER) for _ in range(learners)]
        group = make.cohort(make.module_version(exercises=3), learners=people, mentors=[mentor])
        for person in people:
            for exercise in group.module_version.exercises[:2]:
                submit_version(db.session, enrolment=make.enrolment(group, person), exercise=exercise, body_md="x",
                               uploads=[], keep_attachment_ids=set(), storage=storage, now=utcnow(),
                               max_answer_chars=100, max_attachment_bytes=100)
    db.session.commit()
    return watched, group


def _queries(app, client, path) -> int:
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(path).status_code == 200
    return counter.count


@pytest.mark.parametrize("page", ["dashboard", "queue", "progress"])
def test_query_count_does_not_grow_with_learners_or_submissions(app, make, login_as, page):
    counts = []
    for size in (1, 6):
        mentor, organizer = make.user(Role.MENTOR), make.user(Role.ORGANIZER)
        watched, group = _populate(app, make, mentor, learners=size, cohorts=size // 2 + 1)
        client, path = {
            "dashboard": (login_as(watched), "/"),
            "queue": (login_as(mentor), "/review/"),
            "progress": (login_as(organizer), f"/manage/progress/cohorts/{group.id}"),
        }[page]
        counts.append(_queries(app, client, path))
    assert counts[0] == counts[1], counts
