"""The case library (every signed-in user), nominating accepted work (mentors of its cohort, organizers),
the authors' consent, and publishing (organizers)."""

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.cases import queries, services
from app.cases.forms import DECLINE, HIDE_NAME, SHOW_NAME, ConsentForm, NominateForm
from app.cases.models import CaseNomination, ConsentState
from app.content.models import Exercise
from app.core import authz, spreadsheets
from app.core.downloads import attachment_disposition, send_file_data, send_stored_file
from app.core.file_metadata import strip_metadata
from app.core.inputs import positive_int
from app.core.storage import FileStorage
from app.core.templating import ActionForm, ConfirmForm, current_locale
from app.core.timeutil import TOKYO, utcnow
from app.extensions import db
from app.reviews import blind
from app.submissions.models import Submission, SubmissionStatus

bp = Blueprint("cases", __name__, template_folder="templates")

STAFF = (Role.ORGANIZER, Role.ADMIN)
NOMINATORS = (Role.MENTOR, *STAFF)


def _refusals() -> dict:
    return {
        services.NotAccepted: _("Only accepted work can be nominated as exemplary work."),
        services.AlreadyNominated: _("This work has already been nominated as exemplary work."),
        services.NotAMentorOfCohort: _("You can nominate only the work of cohorts you mentor."),
        services.NotAnAuthor: _("Only the author of this work (for a group's work, its members) can answer."),
        services.ConsentClosed: _("You have already said no to sharing this work; it will not be shared."),
        services.NotConsented: _("This case cannot be published: not every author has agreed to share it."),
    }


def _refused(e: services.CaseRefused, status: int):
    return render_template("cases/refused.html", message=_refusals()[type(e)]), status


# -- the library ----------------------------------------------------------------------------------------

def _filters() -> queries.Filters:
    words = (request.args.get("q") or "").strip()[:queries.QUERY_LIMIT]
    # From an exercise's page: the cases of that exercise, in whichever version of its module.
    exercise_id = request.args.get("exercise_id", type=positive_int)
    exercise = db.session.get(Exercise, exercise_id) if exercise_id else None
    if exercise is not None:
        return queries.Filters(module=exercise.module_version.module.slug, exercise=exercise.slug, words=words)
    module = (request.args.get("module") or "").strip()[:100] or None
    return queries.Filters(module=module,
                           exercise=((request.args.get("exercise") or "").strip()[:100] or None) if module else None,
                           words=words)


@bp.route("/cases/")
@authz.signed_in
def index():
    filters = _filters()
    found = queries.library(db.session, filters, page=request.args.get("page", 1, type=positive_int))
    args = {k: v for k, v in (("q", filters.words), ("module", filters.module), ("exercise", filters.exercise)) if v}
    return render_template("cases/index.html", found=found, filters=filters, args=args,
                           authors_of=lambda n: queries.authors(n, current_locale()))


@bp.route("/cases/<int:case_id>")
@authz.signed_in
def case(case_id: int):
    nomination = queries.public_case(db.session, case_id)
    authz.ensure(nomination is not None)
    own = next((c for c in nomination.consents if c.user_id == current_user.id), None)
    return render_template("cases/case.html", nomination=nomination, own=own,
                           authors=queries.authors(nomination, current_locale()),
                           anonymous=_is_anonymous(nomination), withdraw_form=ConfirmForm(formdata=None))


def _is_anonymous(nomination: CaseNomination) -> bool:
    """Whether some author hides their name: then file names, which may hold it, are hidden too."""
    return any(not c.shows_name for c in nomination.consents)


@bp.route("/cases/<int:case_id>/attachments/<int:attachment_id>")
@authz.signed_in
def attachment(case_id: int, attachment_id: int):
    """Exactly the attachments of a case the library shows now, to any signed-in user; as a download."""
    found = queries.public_attachment(db.session, case_id, attachment_id)
    authz.ensure(found is not None)
    storage = FileStorage(current_app.config["STORAGE_DIR"])
    if _is_anonymous(db.session.get(CaseNomination, case_id)):
        # An anonymous case: a neutral name, and no author in the file's metadata (app/core/file_metadata.py).
        data = strip_metadata(storage.read(found.content_hash), found.media_type)
        return send_file_data(data, blind.neutral_name(found, blind.position_in_version(found)), found.media_type)
    return send_stored_file(storage, found.content_hash, found.filename, found.media_type)


@bp.route("/manage/cases/export.csv")
@authz.roles(*STAFF)
def export_csv():
    """The library's cases as a table: what the library shows, names as their authors chose."""
    rows = queries.export_rows(db.session, current_locale(), _("Anonymous"))
    lines = [[_("Case"), _("Module"), _("Exercise"), _("Authors"), _("Why it is exemplary"), _("Published on")]]
    lines += [[r.case_id, r.module, r.exercise, r.authors, r.note, r.published_at] for r in rows]
    day = utcnow().astimezone(TOKYO).strftime("%Y%m%d")
    response = Response(spreadsheets.csv_chunks(lines), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = attachment_disposition(f"enshu-cases-{day}.csv",
                                                                     f"{_('cases')}-{day}.csv")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- nominating -------------------------------------------------------------------------------------------

@bp.route("/cases/nominate/<int:submission_id>", methods=["GET", "POST"])
@authz.roles(*NOMINATORS)
def nominate(submission_id: int):
    """The nomination form under the accepted work. It names no learner: in a blind-review cohort the
    mentor must not learn whose work it is, and the nomination needs no name."""
    submission = db.session.get(Submission, submission_id)
    authz.ensure(submission is not None)
    if not services.may_nominate(db.session, current_user, submission):
        return _refused(services.NotAMentorOfCohort(), 403)
    nomination = queries.nomination_of_submission(db.session, submission.id)
    form = NominateForm()
    refusal = None
    if nomination is None and form.validate_on_submit():
        try:
            services.nominate(db.session, submission=submission, nominator=current_user, note=form.note.data,
                              now=utcnow())
        except services.CaseRefused as e:
            db.session.rollback()
            refusal = _refusals()[type(e)]
        else:
            flash(_("Nominated. The author is asked whether the work may be shared; nothing is published "
                    "without their consent."), "success")
            return redirect(url_for("cases.nominate", submission_id=submission.id))
    elif request.method == "POST" and nomination is not None:
        refusal = _refusals()[services.AlreadyNominated]
    elif request.method == "POST" and submission.status != SubmissionStatus.ACCEPTED:
        refusal = _refusals()[services.NotAccepted]
    status = 409 if refusal else (422 if form.errors else 200)
    return render_template("cases/nominate.html", submission=submission, nomination=nomination, form=form,
                           refusal=refusal, state=queries.state_of(nomination) if nomination else None,
                           is_accepted=submission.status == SubmissionStatus.ACCEPTED), status


# -- the authors' consent ---------------------------------------------------------------------------------

def _nomination_of(submission_id: int) -> CaseNomination:
    nomination = queries.nomination_of_submission(db.session, submission_id)
    authz.ensure(nomination is not None)
    return nomination


@bp.route("/cases/consent/<int:submission_id>", methods=["GET", "POST"])
@authz.signed_in
def consent(submission_id: int):
    nomination = _nomination_of(submission_id)
    try:
        own = services.consent_of(nomination, current_user)
    except services.NotAnAuthor as e:
        return _refused(e, 403)
    form = ConsentForm()
    if request.method == "GET" and own.state == ConsentState.CONSENTED:
        form.choice.data = SHOW_NAME if own.shows_name else HIDE_NAME
    refusal = None
    if form.validate_on_submit():
        try:
            services.answer(db.session, nomination=nomination, user=current_user,
                            consents=form.choice.data != DECLINE, shows_name=form.choice.data == SHOW_NAME,
                            now=utcnow())
        except services.CaseRefused as e:
            db.session.rollback()
            refusal = _refusals()[type(e)]
        else:
            flash({SHOW_NAME: _("Thank you. Your work may be shared, with your name."),
                   HIDE_NAME: _("Thank you. Your work may be shared, without your name."),
                   DECLINE: _("Understood. Your work will not be shared.")}[form.choice.data], "success")
            return redirect(url_for("cases.mine"))
    status = 409 if refusal else (422 if form.errors else 200)
    return render_template("cases/consent.html", nomination=nomination, own=own, form=form, refusal=refusal,
                           ConsentState=ConsentState), status


@bp.route("/cases/consent/<int:submission_id>/withdraw", methods=["GET", "POST"])
@authz.signed_in
def withdraw(submission_id: int):
    """A confirmation page, then the withdrawal: the case leaves the library, its list, search and export
    and its attachments at once. Only the confirmation page's button (`confirm=yes`) withdraws."""
    nomination = _nomination_of(submission_id)
    try:
        own = services.consent_of(nomination, current_user)
    except services.NotAnAuthor as e:
        return _refused(e, 403)
    form = ConfirmForm()
    if request.method == "POST" and form.is_confirmed:
        try:
            services.answer(db.session, nomination=nomination, user=current_user, consents=False, shows_name=False,
                            now=utcnow())
        except services.CaseRefused as e:
            db.session.rollback()
            return _refused(e, 409)
        flash(_("Your consent is withdrawn. The work is no longer shown to anyone."), "success")
        return redirect(url_for("cases.mine"))
    return render_template("cases/withdraw.html", nomination=nomination, own=own, form=form)


@bp.route("/cases/mine")
@authz.signed_in
def mine():
    """A person's nominated work and their answers: where they change or withdraw them."""
    return render_template("cases/mine.html", consents=queries.consents_of_user(db.session, current_user.id),
                           ConsentState=ConsentState, state_of=queries.state_of)


# -- organizers -------------------------------------------------------------------------------------------

@bp.route("/manage/cases/")
@authz.roles(*STAFF)
def manage():
    return render_template("cases/manage.html", rows=queries.nominations(db.session), form=ActionForm(),
                           ConsentState=ConsentState)


def _nomination(case_id: int) -> CaseNomination:
    nomination = db.session.get(CaseNomination, case_id)
    authz.ensure(nomination is not None)
    return nomination


@bp.route("/manage/cases/<int:case_id>/publish", methods=["POST"])
@authz.roles(*STAFF)
def publish(case_id: int):
    nomination = _nomination(case_id)
    if ActionForm().validate_on_submit():
        try:
            services.publish(db.session, nomination=nomination, organizer=current_user, now=utcnow())
        except services.CaseRefused as e:
            db.session.rollback()
            flash(_refusals()[type(e)], "error")
        else:
            flash(_("Published: the case is now in the case library."), "success")
    return redirect(url_for("cases.manage"))


@bp.route("/manage/cases/<int:case_id>/unpublish", methods=["POST"])
@authz.roles(*STAFF)
def unpublish(case_id: int):
    nomination = _nomination(case_id)
    if ActionForm().validate_on_submit():
        services.unpublish(db.session, nomination=nomination, organizer=current_user)
        flash(_("The case is no longer in the case library."), "success")
    return redirect(url_for("cases.manage"))
