"""Paths listen to badges and the catalogue: an issued module badge or a self-reported course may complete
a path (its level badge is issued in the same transaction); a revoked badge or an un-marked course flags
the level badges built on it, and the catalogue asks which courses a level badge rests on."""

from flask import current_app

from app.badges.listeners import badge_settings
from app.badges.models import AchievementKind
from app.badges.signals import credential_issued, credential_revoked
from app.catalogue.signals import course_marked_done, course_unmark_consequences, course_unmarked
from app.paths import queries, services


def _award(session, paths, learner, now) -> None:
    keys, urls, defaults = badge_settings(current_app.config)
    for path in paths:
        services.award_if_complete(session, path, learner, keys=keys, urls=urls, defaults=defaults, now=now)


@credential_issued.connect
def _on_credential_issued(session, credential, now, **extra):
    # A level badge is issued from here too, and completes no path.
    if credential.achievement.kind == AchievementKind.MODULE:
        _award(session, services.paths_with_step(session, module_id=credential.achievement.module_id),
               credential.recipient, now)


@course_marked_done.connect
def _on_course_marked_done(session, user, course, now, **extra):
    _award(session, services.paths_with_step(session, course_id=course.id), user, now)


@credential_revoked.connect
def _on_credential_revoked(session, credential, actor, now, **extra):
    services.flag_awards_of(session, credential, actor=actor, now=now)


@course_unmarked.connect
def _on_course_unmarked(session, user, course, now, **extra):
    services.flag_awards_of_course(session, user, course, now=now)


@course_unmark_consequences.connect
def _on_course_unmark_consequences(session, user_id, course_ids, **extra):
    return queries.badges_resting_on_courses(session, user_id, course_ids)
