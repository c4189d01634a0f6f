"""What a notification says and where it leads, in the language in force: the page's, or the
recipient's under `force_locale` for a mail. One wording for both."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.templating import current_locale, tokyo_datetime
from app.notifications.models import Notification, NotificationKind

# The settings page's checkboxes: when each kind is sent.
KIND_LABELS = {
    NotificationKind.WORK_RETURNED: _l("My work came back for revision"),
    NotificationKind.WORK_ACCEPTED: _l("My work was accepted"),
    NotificationKind.SUBMISSION_WAITING: _l("A learner of a cohort I mentor submitted work for review"),
    NotificationKind.DUE_IN_7_DAYS: _l("A due date is a week away and my work is not submitted"),
    NotificationKind.DUE_IN_1_DAY: _l("A due date is a day away and my work is not submitted"),
    NotificationKind.OVERDUE: _l("A due date has passed and my work is not submitted"),
    NotificationKind.BADGE_ISSUED: _l("A badge was issued to me"),
    NotificationKind.CASE_CONSENT_ASKED: _l("My work was nominated as exemplary work and my consent is asked"),
    NotificationKind.EXTENSION_APPROVED: _l("My request for more time was approved"),
    NotificationKind.EXTENSION_DECLINED: _l("My request for more time was declined"),
    NotificationKind.EXTENSION_GRANTED: _l("I was given more time on an exercise without asking"),
}


def headline(notification: Notification) -> str:
    """One sentence saying what happened."""
    n, locale = notification, current_locale()
    kind = n.kind
    if kind == NotificationKind.BADGE_ISSUED:
        return _("Your badge “%(badge)s” has been issued.", badge=n.credential.achievement.name(locale))
    names = {"exercise": n.exercise.title(locale), "cohort": n.cohort.name}
    if kind == NotificationKind.WORK_RETURNED:
        return _("Your work on “%(exercise)s” (%(cohort)s) came back for revision.", **names)
    if kind == NotificationKind.WORK_ACCEPTED:
        return _("Your work on “%(exercise)s” (%(cohort)s) was accepted.", **names)
    if kind == NotificationKind.CASE_CONSENT_ASKED:
        return _("Your work on “%(exercise)s” (%(cohort)s) was nominated as exemplary work. May other learners "
                 "read it? Please answer.", **names)
    if kind == NotificationKind.SUBMISSION_WAITING:
        return _("%(learner)s submitted “%(exercise)s” (%(cohort)s); it is waiting for review.",
                 learner=n.submission.enrolment.user.display_name, **names)
    if kind == NotificationKind.EXTENSION_DECLINED:
        return _("Your request for more time on “%(exercise)s” (%(cohort)s) was declined. Your due date stays as it "
                 "was.", **names)
    due = tokyo_datetime(n.due_at, "weekday")
    if kind == NotificationKind.EXTENSION_APPROVED:
        return _("Your request for more time on “%(exercise)s” (%(cohort)s) was approved: it is now due on %(due)s.",
                 due=due, **names)
    if kind == NotificationKind.EXTENSION_GRANTED:
        return _("You were given more time on “%(exercise)s” (%(cohort)s): it is now due on %(due)s.", due=due,
                 **names)
    if kind == NotificationKind.DUE_IN_7_DAYS:
        return _("“%(exercise)s” (%(cohort)s) is due within a week, on %(due)s.", due=due, **names)
    if kind == NotificationKind.DUE_IN_1_DAY:
        return _("“%(exercise)s” (%(cohort)s) is due within a day, on %(due)s.", due=due, **names)
    return _("“%(exercise)s” (%(cohort)s) was due on %(due)s and has not been submitted yet.", due=due, **names)


def note(notification: Notification) -> str:
    """What the person who decided an extension request wrote with the decision (why it was declined), or ""."""
    if notification.kind in (NotificationKind.EXTENSION_APPROVED, NotificationKind.EXTENSION_DECLINED):
        return notification.extension.decision_note
    return ""


def target(notification: Notification) -> tuple[str, dict]:
    """The endpoint and URL values of the page the notification is about."""
    n = notification
    if n.kind == NotificationKind.BADGE_ISSUED:
        return "badges.public_page", {"uuid": n.credential.uuid}
    if n.kind == NotificationKind.SUBMISSION_WAITING:
        return "reviews.review", {"submission_id": n.submission_id}
    if n.kind == NotificationKind.CASE_CONSENT_ASKED:
        return "cases.consent", {"submission_id": n.submission_id}
    return "learn.exercise", {"cohort_id": n.cohort_id, "exercise_id": n.exercise_id}
