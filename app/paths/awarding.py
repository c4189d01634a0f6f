"""After a path is saved (in the app or by `flask paths load-starter`), its level badge goes to every learner
who already holds all it requires. Each badge is signed (~20 ms), and hundreds of learners may qualify, so
the awarding is a job after the commit (app.core.jobs), never part of the saving request."""

from flask import current_app
from sqlalchemy.orm import Session

from app.auth.models import User
from app.badges.listeners import badge_settings
from app.core.jobs import RetryLater, enqueue_after_commit
from app.core.timeutil import utcnow
from app.core.transaction import commit, rollback
from app.extensions import db
from app.paths import services
from app.paths.models import LearningPath


def award_on_save(session: Session, paths: list[LearningPath], *, actor: User | None) -> int:
    """Once the transaction that saved `paths` commits, award each one's level badge to every learner who
    then holds all it requires (award_saved_paths). Returns how many awards that makes as the paths stand
    now, for the person saving them to be told."""
    if not paths:
        return 0
    waiting = sum(len(services.completing_learners(session, path)) for path in paths)
    path_ids = [path.id for path in paths]
    # Enqueued even when nobody qualifies now: a learner's last badge, issued beside this save, cannot see
    # the uncommitted path, and the job, reading after the commit, may find them.
    job_id = f"path-awards-{'-'.join(map(str, path_ids))}-{paths[0].updated_at:%Y%m%dT%H%M%S%f}"
    enqueue_after_commit(session, job_id, award_saved_paths, path_ids, actor.id if actor is not None else None)
    return waiting


def award_saved_paths(path_ids: list[int], actor_id: int | None) -> None:
    """The job after paths are saved: award each one's level badge to the learners who hold all it requires
    and have not had it (services.award_completers, which audits whom), in one transaction. Running it again,
    or beside another such job, awards nobody twice: award_if_complete refuses a second award. Raises
    RetryLater when it could not (nothing is kept; the queue retries it, or saving the path again does)."""
    session = db.session
    keys, urls, defaults = badge_settings(current_app.config)
    try:
        actor = session.get(User, actor_id) if actor_id is not None else None
        for path_id in path_ids:
            services.award_completers(session, session.get(LearningPath, path_id), actor=actor, keys=keys,
                                      urls=urls, defaults=defaults, now=utcnow())
        commit(session)
    except Exception as e:
        rollback(session)
        raise RetryLater(f"paths {path_ids}: level badges not issued; save the path again if no retry "
                         f"follows") from e
