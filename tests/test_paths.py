"""Learning paths (issue 15): organizers' paths and their refusals, the learner's map, the level badge issued
once when the last required component is issued (verified by the independent OB 3.0 verifier) and what the
revocation of a component does to it."""

import json

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.badges.models import AchievementKind, Credential, CredentialStatus
from app.badges.revocation import revoke
from app.catalogue.models import CatalogueCourse
from app.catalogue.services import mark_done
from app.cohorts.models import Enrolment
from app.core.timeutil import utcnow
from app.extensions import db
from app.paths import services
from app.paths.models import LearningPath, LevelAward
from tests.badges.support import digital_bazaar_verify, issuer_documents
from tests.test_query_budgets import QueryCounter
from tests.world import csrf_token


def _course(n: int = 1) -> CatalogueCourse:
    course = CatalogueCourse(url=f"https://example.jp/course{n}", title=f"データ活用講座{n}", provider="北海道",
                             language="ja", level=1, last_checked_on=utcnow().date(), search_text=f"データ活用講座{n}")
    db.session.add(course)
    db.session.commit()
    return course


def _fields(level: int = 1, accepts: bool = False, revokes: bool = False) -> services.PathFields:
    return services.PathFields("推進リーダーへの道", "Towards leader", "説明", "About", level, accepts, revokes)


def _path(steps, **fields) -> LearningPath:
    path = services.save_path(db.session, None, _fields(**fields), steps, actor=None, now=utcnow())
    db.session.commit()
    return path


@pytest.fixture
def two_cohorts(app, make):
    """Two modules in cohorts of one exercise each, and a mentor for both."""
    mentor = make.user(Role.MENTOR)
    return [make.cohort(make.module_version(exercises=1), mentors=[mentor], name=f"受講期{n}") for n in (1, 2)], mentor


@pytest.fixture
def two_modules(two_cohorts):
    """two_cohorts and a path that requires both modules (and suggests a course)."""
    cohorts, mentor = two_cohorts
    course = _course()
    path = _path([services.StepSpec(c.module_version.module_id, None, True) for c in cohorts]
                 + [services.StepSpec(None, course.id, False)])
    return path, cohorts, mentor, course


def _enrol(cohort, learner) -> None:
    db.session.add(Enrolment(cohort=cohort, user=learner))
    db.session.commit()


def _complete(app, make, cohort, learner, mentor):
    """Enrol `learner` and have every exercise accepted: the module badge follows, through the signals."""
    _enrol(cohort, learner)
    return make.complete_module(cohort, learner, mentor, app.config["STORAGE_DIR"])


def _level_credentials(user) -> list[Credential]:
    return list(db.session.scalars(select(Credential).where(Credential.recipient_id == user.id,
                                                            Credential.completion_record_id.is_(None))))


# -- paths and their refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("steps, fields, code", [
    ("none", {}, "no_steps"),
    ("twice", {}, "duplicate_step"),
    ("module", {"level": 0}, "unknown_level"),
    ("module", {"level": 7}, "unknown_level"),
    ("course", {"accepts": False}, "self_reported_not_accepted"),
    ("optional", {}, "no_required_step"),
    ("missing", {}, "unknown_step"),
])
def test_a_path_that_cannot_work_is_refused_and_nothing_is_saved(app, make, steps, fields, code):
    module_id = make.module_version().module_id
    course = _course()
    specs = {"none": [], "twice": [services.StepSpec(module_id, None, True), services.StepSpec(module_id, None, False)],
             "module": [services.StepSpec(module_id, None, True)],
             "course": [services.StepSpec(module_id, None, True), services.StepSpec(None, course.id, True)],
             "optional": [services.StepSpec(module_id, None, False)],
             "missing": [services.StepSpec(module_id + 100, None, True)]}[steps]
    with pytest.raises(services.PathInvalid) as refused:
        services.save_path(db.session, None, _fields(**fields), specs, actor=None, now=utcnow())
    assert refused.value.code == code
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LearningPath)) == 0


def test_a_course_may_be_an_optional_suggestion_in_a_path_without_self_reporting(app, make):
    path = _path([services.StepSpec(make.module_version().module_id, None, True),
                  services.StepSpec(None, _course().id, False)])
    assert [s.is_required for s in path.steps] == [True, False]


def _form(path_fields: dict, rows: list[tuple[str, str, bool]]) -> dict:
    data = {"name_ja": "データ活用の道", "name_en": "Data path", "description_ja": "", "description_en": "",
            "talent_level": "1", **path_fields}
    for n, (position, item, required) in enumerate(rows):
        data[f"steps-{n}-position"], data[f"steps-{n}-item"] = position, item
        if required:
            data[f"steps-{n}-required"] = "y"
    return data


def test_an_organizer_creates_then_reorders_a_path_in_the_app(app, make, login_as):
    first, second = make.module_version(), make.module_version()
    course = _course()
    client = login_as(make.user(Role.ORGANIZER))
    page = client.get("/manage/paths/new").get_data(as_text=True)
    assert "学習パスを作成" in page and f"module-{first.module_id}" in page and f"course-{course.id}" in page
    data = _form({"accepts_self_reported": "y"}, [("1", f"module-{first.module_id}", True),
                                                  ("2", f"course-{course.id}", True), ("", "", False)])
    response = client.post("/manage/paths/new", data={"csrf_token": csrf_token(page), **data})
    assert response.status_code == 302
    path = db.session.scalar(select(LearningPath))
    assert [(s.module_id, s.course_id, s.is_required) for s in path.steps] == [
        (first.module_id, None, True), (None, course.id, True)]
    page = client.get(f"/manage/paths/{path.id}/edit").get_data(as_text=True)
    data = _form({"accepts_self_reported": "y"}, [("3", f"module-{first.module_id}", False),
                                                  ("1", f"course-{course.id}", True),
                                                  ("2", f"module-{second.module_id}", True)])
    assert client.post(f"/manage/paths/{path.id}/edit", data={"csrf_token": csrf_token(page), **data}).status_code == 302
    db.session.expire_all()
    assert [(s.module_id, s.course_id, s.is_required) for s in path.steps] == [
        (None, course.id, True), (second.module_id, None, True), (first.module_id, None, False)]


@pytest.mark.parametrize("fields, rows, message", [
    ({}, [], "少なくとも1つのステップ"),
    ({}, [("1", "module-M", True), ("2", "module-M", False)], "ステップ2は前のステップと同じ"),
    ({"talent_level": "9"}, [("1", "module-M", True)], "学習パスで目指す人材レベル"),
    ({"talent_level": "x"}, [("1", "module-M", True)], "学習パスで目指す人材レベル"),
    ({}, [("1", "module-M", True), ("2", "course-C", True)], "自己申告のステップを認めていません"),
    ({}, [("1", "module-M", False)], "少なくとも1つのステップを必須"),
    ({}, [("1", "module-999999", True)], "ステップ1は存在するモジュール"),
    ({"name_ja": ""}, [("1", "module-M", True)], "パスの名前を日本語で入力"),
    ({}, [("12345", "module-M", True)], "順番は1、2、3のような数字"),
])
def test_the_path_form_refuses_with_a_message_and_saves_nothing(app, make, login_as, fields, rows, message):
    module_id, course_id = make.module_version().module_id, _course().id
    client = login_as(make.user(Role.ORGANIZER))
    token = csrf_token(client.get("/manage/paths/new").get_data(as_text=True))
    rows = [(p, i.replace("-M", f"-{module_id}").replace("-C", f"-{course_id}"), r) for p, i, r in rows]
    response = client.post("/manage/paths/new", data={"csrf_token": token, **_form(fields, rows)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LearningPath)) == 0


def test_learners_may_not_manage_paths(app, make, login_as):
    client = login_as(make.user())
    assert client.get("/manage/paths/").status_code == 403
    assert client.get("/manage/paths/new").status_code == 403


def test_the_starter_paths_load_once_from_the_shipped_modules_and_catalogue(app):
    from app.catalogue.services import load_starter as load_catalogue
    from app.content.cli import DEFAULT_ROOT
    from app.content.loader import load_all
    from app.content.services import sync_modules
    from app.core.storage import FileStorage
    sync_modules(db.session, load_all(DEFAULT_ROOT)[0], FileStorage(app.config["STORAGE_DIR"]), utcnow(),
                 retire_missing=False)
    load_catalogue(db.session)
    assert len(services.load_starter(db.session, utcnow())) == 2
    assert services.load_starter(db.session, utcnow()) == []
    db.session.commit()
    paths = db.session.scalars(select(LearningPath).order_by(LearningPath.talent_level)).all()
    assert [(p.talent_level, len(p.steps)) for p in paths] == [(1, 3), (2, 4)]
    assert paths[1].accepts_self_reported and not paths[0].accepts_self_reported


# -- the learner's map ------------------------------------------------------------------------------------------

def test_the_map_shows_each_step_done_in_progress_next_or_not_started(app, make, login_as):
    mentor, learner = make.user(Role.MENTOR), make.user()
    done, started, later = (make.cohort(make.module_version(exercises=1), mentors=[mentor], name=f"受講期{n}")
                            for n in (1, 2, 3))
    course = _course()
    path = _path([services.StepSpec(c.module_version.module_id, None, True) for c in (done, started)]
                 + [services.StepSpec(None, course.id, False), services.StepSpec(later.module_version.module_id, None, True)],
                 accepts=True)
    _complete(app, make, done, learner, mentor)
    _enrol(started, learner)
    page = login_as(learner).get(f"/paths/{path.id}").get_data(as_text=True)
    states = [chunk.split('"', 1)[0] for chunk in page.split('class="path-step path-step--')[1:]]
    assert states == ["done", "in_progress", "next", "not_started"]
    assert "バッジを見る" in page and "受講期の演習課題へ進む" in page and "自己申告" in page
    assert "必須ステップ3個のうち1個が完了" in page
    mark_done(db.session, user=learner, course=course, note="")
    db.session.commit()
    page = login_as(learner).get(f"/paths/{path.id}").get_data(as_text=True)
    assert "受講済みとして記録しました" in page and "自己申告" in page


def test_the_map_and_the_list_take_a_fixed_number_of_queries(app, make, login_as):
    mentor, learner = make.user(Role.MENTOR), make.user()
    client = login_as(learner)

    def path_of(n_modules: int) -> LearningPath:
        cohorts = [make.cohort(make.module_version(exercises=1), mentors=[mentor]) for _ in range(n_modules)]
        for c in cohorts[:-1]:
            _complete(app, make, c, learner, mentor)
        _enrol(cohorts[-1], learner)
        return _path([services.StepSpec(c.module_version.module_id, None, True) for c in cohorts]
                     + [services.StepSpec(None, _course(n_modules).id, False)])

    small = path_of(2)
    with QueryCounter(db.engine) as few:
        assert client.get(f"/paths/{small.id}").status_code == 200
    with QueryCounter(db.engine) as few_list:
        assert client.get("/paths/").status_code == 200
    large = path_of(5)
    with QueryCounter(db.engine) as many:
        assert client.get(f"/paths/{large.id}").status_code == 200
    with QueryCounter(db.engine) as many_list:
        assert client.get("/paths/").status_code == 200
    assert few.count == many.count <= 14
    assert few_list.count == many_list.count <= 14


# -- the level badge ---------------------------------------------------------------------------------------------

def test_the_last_required_badge_issues_the_level_badge_once_and_it_verifies(app, make, client, two_modules):
    path, cohorts, mentor, course = two_modules
    learner = make.user(email="yamada@example.jp")
    first = _complete(app, make, cohorts[0], learner, mentor)
    assert _level_credentials(learner) == []  # one required badge of two
    _complete(app, make, cohorts[1], learner, mentor)
    [level] = _level_credentials(learner)
    assert level.status == CredentialStatus.ISSUED and level.achievement.kind == AchievementKind.TALENT_LEVEL
    assert level.achievement.talent_level == 1
    components = db.session.scalars(select(Credential).where(Credential.recipient_id == learner.id,
                                                             Credential.completion_record_id.is_not(None))
                                    .order_by(Credential.id)).all()
    document = json.loads(level.ob3_json)
    # The evidence names every component credential: its public page and its id.
    assert [e["id"] for e in document["evidence"]] == [f"{app.config['BASE_URL']}/c/{c.uuid}" for c in components]
    assert all(f"urn:uuid:{c.uuid}" in e["narrative"] for c, e in zip(components, document["evidence"]))
    result = digital_bazaar_verify(document, issuer_documents(client, document))
    assert result["verified"] is True, result
    # The OB 2.0 assertion and badge class are served like a module badge's.
    assertion = client.get(f"/badges/ob2/assertions/{level.uuid}").get_json()
    assert assertion["type"] == "Assertion" and assertion["badge"].endswith(f"/badges/ob2/badgeclasses/{level.achievement_id}")
    assert client.get(f"/badges/ob2/badgeclasses/{level.achievement_id}").get_json()["type"] == "BadgeClass"
    page = client.get(f"/c/{level.uuid}").get_data(as_text=True)
    assert "取得の根拠となったバッジ・講座" in page and components[0].achievement.name_ja in page
    assert client.get(f"/c/{level.uuid}/certificate").status_code == 200
    # Exactly once: another module badge of the path's modules issues nothing more.
    again = make.cohort(cohorts[0].module_version, mentors=[mentor], name="再受講")
    _complete(app, make, again, learner, mentor)
    assert len(_level_credentials(learner)) == 1
    assert db.session.scalar(select(func.count()).select_from(LevelAward)) == 1
    assert first is not None


def test_a_self_reported_course_counts_only_when_the_path_accepts_it(app, make, two_modules):
    path, cohorts, mentor, course = two_modules
    strict = path
    lenient = _path([services.StepSpec(cohorts[0].module_version.module_id, None, True),
                     services.StepSpec(None, course.id, True)], level=2, accepts=True)
    learner = make.user()
    _complete(app, make, cohorts[0], learner, mentor)
    assert _level_credentials(learner) == []
    mark_done(db.session, user=learner, course=course, note="受講しました")  # the last required step
    db.session.commit()
    [level] = _level_credentials(learner)
    assert level.achievement.talent_level == 2
    assert db.session.scalar(select(LevelAward.path_id).where(LevelAward.user_id == learner.id)) == lenient.id
    evidence = json.loads(level.ob3_json)["evidence"]
    assert evidence[-1]["id"] == course.url and evidence[-1]["narrative"].startswith("自己申告")
    assert strict.id != lenient.id


def test_a_badge_awaiting_approval_completes_the_path_when_approved(app, make, two_modules):
    from app.badges.issuing import approve
    from app.badges.listeners import badge_settings
    path, cohorts, mentor, course = two_modules
    cohorts[1].badges_need_approval = True
    db.session.commit()
    learner = make.user()
    for cohort in cohorts:
        _complete(app, make, cohort, learner, mentor)
    assert _level_credentials(learner) == []
    waiting = db.session.scalar(select(Credential).where(Credential.status == CredentialStatus.AWAITING_APPROVAL))
    keys, urls, _defaults = badge_settings(app.config)
    approve(db.session, waiting, actor=make.user(Role.ORGANIZER), keys=keys, urls=urls, now=utcnow())
    db.session.commit()
    assert len(_level_credentials(learner)) == 1


# -- revoking a component -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("revokes", [False, True], ids=["flag only", "flag and revoke"])
def test_revoking_a_component_flags_the_level_badge_and_revokes_it_if_the_path_says_so(
        app, make, client, login_as, two_modules, revokes):
    path, cohorts, mentor, course = two_modules
    path.revokes_level_badges = revokes
    db.session.commit()
    learner, organizer = make.user(), make.user(Role.ORGANIZER)
    for cohort in cohorts:
        _complete(app, make, cohort, learner, mentor)
    [level] = _level_credentials(learner)
    component = db.session.scalar(select(Credential).where(Credential.recipient_id == learner.id,
                                                           Credential.completion_record_id.is_not(None)))
    revoke(db.session, component, reason="提出物の盗用が判明したため", actor=organizer, now=utcnow())
    db.session.commit()
    award = db.session.scalar(select(LevelAward))
    assert award.flagged_at is not None and "提出物の盗用が判明したため" in award.flag_reason
    assert level.status == (CredentialStatus.REVOKED if revokes else CredentialStatus.ISSUED)
    document = json.loads(level.ob3_json)
    result = digital_bazaar_verify(document, issuer_documents(client, document))
    assert result["verified"] is not revokes and result.get("revoked", False) is revokes
    staff = login_as(organizer)
    assert "要確認 1件" in staff.get("/manage/paths/").get_data(as_text=True)
    page = staff.get(f"/manage/paths/{path.id}/badges").get_data(as_text=True)
    assert "要確認" in page and ("失効" in page if revokes else "有効" in page)


# -- saving a path awards those who already complete it --------------------------------------------------------

def _award_on_save(app, path) -> list[LevelAward]:
    from app.badges.listeners import badge_settings
    keys, urls, defaults = badge_settings(app.config)
    awards = services.award_completers(db.session, path, actor=None, keys=keys, urls=urls, defaults=defaults,
                                       now=utcnow())
    db.session.commit()
    return awards


@pytest.fixture
def two_modules_held(app, make, two_cohorts):
    """two_cohorts, no path yet: `both` holds both modules' badges, `first` only the first's."""
    cohorts, mentor = two_cohorts
    both, first = make.user(email="both@example.jp"), make.user(email="first@example.jp")
    for cohort in cohorts:
        _complete(app, make, cohort, both, mentor)
    _complete(app, make, cohorts[0], first, mentor)
    return [c.module_version.module_id for c in cohorts], both, first


def test_saving_a_path_awards_the_learners_who_already_hold_every_required_step_once(
        app, make, client, two_modules_held):
    from app.auth.models import AuditEntry
    modules, both, first = two_modules_held
    path = _path([services.StepSpec(m, None, True) for m in modules])
    assert _level_credentials(both) == []  # saving alone issues nothing: the caller asks for the awards
    [award] = _award_on_save(app, path)
    assert award.user_id == both.id and award.path_id == path.id
    assert _level_credentials(first) == []
    [level] = _level_credentials(both)
    assert level.status == CredentialStatus.ISSUED and level.achievement.talent_level == 1
    document = json.loads(level.ob3_json)
    components = db.session.scalars(select(Credential).where(Credential.recipient_id == both.id,
                                                             Credential.completion_record_id.is_not(None))
                                    .order_by(Credential.id)).all()
    assert [e["id"] for e in document["evidence"]] == [f"{app.config['BASE_URL']}/c/{c.uuid}" for c in components]
    result = digital_bazaar_verify(document, issuer_documents(client, document))
    assert result["verified"] is True, result
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "path.award_on_save"))
    assert (entry.object_type, entry.object_id, entry.after) == ("learning_path", path.id, {"awarded": [both.id]})
    # Saving it again awards nobody twice.
    services.save_path(db.session, path, _fields(), [services.StepSpec(m, None, True) for m in modules],
                       actor=None, now=utcnow())
    assert _award_on_save(app, path) == []
    assert len(_level_credentials(both)) == 1


def test_making_a_step_optional_awards_the_learners_who_now_complete_the_path(app, make, two_modules_held):
    modules, both, first = two_modules_held
    path = _path([services.StepSpec(m, None, True) for m in modules])
    _award_on_save(app, path)
    services.save_path(db.session, path, _fields(), [services.StepSpec(modules[0], None, True),
                                                     services.StepSpec(modules[1], None, False)],
                       actor=None, now=utcnow())
    [award] = _award_on_save(app, path)
    assert award.user_id == first.id
    evidence = json.loads(award.credential.ob3_json)["evidence"]
    assert len(evidence) == 1 and len(award.components) == 1


def test_a_learner_holding_the_level_already_is_not_awarded_it_again_by_another_path(app, make, two_modules_held):
    modules, both, first = two_modules_held
    _award_on_save(app, _path([services.StepSpec(m, None, True) for m in modules]))
    assert [a.user_id for a in _award_on_save(app, _path([services.StepSpec(modules[0], None, True)]))] == [first.id]
    # Another level is another badge.
    higher = _path([services.StepSpec(modules[0], None, True)], level=2)
    assert [a.user_id for a in _award_on_save(app, higher)] == [both.id, first.id]
    assert sorted(c.achievement.talent_level for c in _level_credentials(both)) == [1, 2]


@pytest.mark.parametrize("accepts", [False, True], ids=["not accepted", "accepted"])
def test_a_self_reported_course_counts_on_save_only_when_the_path_accepts_it(app, make, two_modules_held, accepts):
    modules, both, first = two_modules_held
    course, other = _course(1), _course(2)
    only_course = make.user(email="course@example.jp")
    for learner in (first, only_course):
        mark_done(db.session, user=learner, course=course, note="")
    db.session.commit()
    suggested = _path([services.StepSpec(modules[0], None, True), services.StepSpec(None, course.id, False)],
                      accepts=accepts)
    awards = {a.user_id: a for a in _award_on_save(app, suggested)}
    assert awards.keys() == {both.id, first.id}  # the course is optional: the module is all it asks
    award = awards[first.id]
    evidence = json.loads(award.credential.ob3_json)["evidence"]
    assert (evidence[-1]["id"] == course.url) is accepts
    assert [c.course_id for c in award.courses] == ([course.id] if accepts else [])
    if accepts:  # a path of courses alone: the marks are all it asks
        courses_only = _path([services.StepSpec(None, course.id, True), services.StepSpec(None, other.id, False)],
                             level=2, accepts=True)
        assert [a.user_id for a in _award_on_save(app, courses_only)] == [first.id, only_course.id]


def test_awarding_on_save_runs_the_same_queries_however_many_learners_hold_part_of_the_path(app, make):
    first, second = _course(1), _course(2)
    path = _path([services.StepSpec(None, first.id, True), services.StepSpec(None, second.id, True)], accepts=True)

    def queries_with(learners: int) -> int:
        for _n in range(learners):
            mark_done(db.session, user=make.user(), course=first, note="")
        db.session.commit()
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            assert _award_on_save(app, db.session.get(LearningPath, path.id)) == []
        return counter.count

    assert queries_with(1) == queries_with(5)


@pytest.mark.parametrize("locale, count, saved, message", [
    ("ja", 1, "学習パス「データ活用の道」を保存しました。",
     "必須ステップをすでにすべて修了している学習者1人に、この学習パスのレベルバッジを順次発行します。"),
    ("en", 1, "The path “Data path” was saved.",
     "1 learner who already holds every required step is being awarded the path's level badge."),
    ("en", 2, "The path “Data path” was saved.",
     "2 learners who already hold every required step are being awarded the path's level badge."),
])
def test_the_organizer_is_told_in_their_language_how_many_learners_saving_the_path_awards(
        app, make, login_as, two_modules_held, locale, count, saved, message):
    from app.auth.models import AuditEntry
    modules, both, first = two_modules_held
    organizer = make.user(Role.ORGANIZER, locale=locale)
    client = login_as(organizer)
    token = csrf_token(client.get("/manage/paths/new").get_data(as_text=True))
    rows = [("1", f"module-{modules[0]}", True), ("2", f"module-{modules[1]}", count == 1)]
    response = client.post("/manage/paths/new", data={"csrf_token": token, **_form({}, rows)}, follow_redirects=True)
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200 and saved in page and message in page
    # Without a queue the job ran right after the request's commit: the badges are issued, by the organizer.
    awarded = db.session.scalars(select(LevelAward.user_id).order_by(LevelAward.user_id)).all()
    assert awarded == sorted([both.id, first.id][:count])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "path.award_on_save"))
    assert (entry.actor_id, entry.after) == (organizer.id, {"awarded": awarded})


def _awarded_once(*learners) -> None:
    """Each of `learners` has one level badge, one award, and is named in one audit entry of awards on save."""
    from app.auth.models import AuditEntry
    db.session.rollback()  # read what the jobs committed
    ids = sorted(learner.id for learner in learners)
    assert sorted(db.session.scalars(select(LevelAward.user_id))) == ids
    assert [len(_level_credentials(learner)) for learner in learners] == [1] * len(learners)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "path.award_on_save")).all()
    assert sorted(i for e in entries for i in e.after["awarded"]) == ids


def test_the_award_job_run_again_awards_nobody_twice(app, make, two_modules_held):
    from app.paths.awarding import award_saved_paths
    modules, both, first = two_modules_held
    path = _path([services.StepSpec(modules[0], None, True)])
    award_saved_paths([path.id], None)
    award_saved_paths([path.id], None)  # a retry, or a worker that died before it said it was done
    _awarded_once(both, first)


def test_two_award_jobs_at_once_award_each_learner_once(app, make, two_modules_held):
    from app.core.jobs import RetryLater
    from app.paths.awarding import award_saved_paths
    from tests.test_concurrency import at_once
    modules, both, first = two_modules_held
    path_id = _path([services.StepSpec(modules[0], None, True)]).id

    def job():
        with app.app_context():  # as a worker runs it: in a database session of its own
            try:
                award_saved_paths([path_id], None)
            except RetryLater:
                return "retry"

    results = at_once([job, job])
    if db.engine.dialect.name == "postgresql":
        assert results == [None, None]  # the second waits for the first's awards, then finds them
    else:  # SQLite: one that lost the race may be refused (a unique constraint) and ask for a retry
        assert job() is None
    _awarded_once(both, first)


def test_saving_a_path_nobody_completes_says_only_that_it_was_saved(app, make, login_as, two_modules_held):
    modules, both, first = two_modules_held
    client = login_as(make.user(Role.ORGANIZER))
    token = csrf_token(client.get("/manage/paths/new").get_data(as_text=True))
    rows = [("1", f"module-{modules[0]}", True), ("2", f"module-{make.module_version().module_id}", True)]
    page = client.post("/manage/paths/new", data={"csrf_token": token, **_form({}, rows)},
                       follow_redirects=True).get_data(as_text=True)
    assert "保存しました" in page and "レベルバッジを順次発行します" not in page


# -- un-marking a self-reported course ---------------------------------------------------------------------------

@pytest.fixture
def awarded_with_course(app, make, two_modules):
    """A learner awarded a level-2 badge by a path that requires the first module and a self-reported course."""
    path, cohorts, mentor, course = two_modules
    lenient = _path([services.StepSpec(cohorts[0].module_version.module_id, None, True),
                     services.StepSpec(None, course.id, True)], level=2, accepts=True)
    learner = make.user()
    _complete(app, make, cohorts[0], learner, mentor)
    mark_done(db.session, user=learner, course=course, note="")
    db.session.commit()
    award = db.session.scalar(select(LevelAward).where(LevelAward.user_id == learner.id))
    assert award.path_id == lenient.id and [c.course_id for c in award.courses] == [course.id]
    return lenient, learner, course, award


@pytest.mark.parametrize("revokes", [False, True], ids=["flag only", "flag and revoke"])
def test_unmarking_a_course_a_level_badge_rests_on_flags_it_and_revokes_it_if_the_path_says_so(
        app, make, client, awarded_with_course, revokes):
    from app.auth.models import AuditEntry
    from app.catalogue.services import unmark_done
    path, learner, course, award = awarded_with_course
    path.revokes_level_badges = revokes
    db.session.commit()
    unmark_done(db.session, user=learner, course=course)
    db.session.commit()
    db.session.expire_all()
    assert award.flagged_at is not None
    assert award.flag_reason == f"学習者が自己申告の外部講座「{course.title}」の受講記録を取り消したため"
    assert award.credential.status == (CredentialStatus.REVOKED if revokes else CredentialStatus.ISSUED)
    document = json.loads(award.credential.ob3_json)
    result = digital_bazaar_verify(document, issuer_documents(client, document))
    assert result["verified"] is not revokes and result.get("revoked", False) is revokes
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "path.award_flagged"))
    assert (entry.actor_id, entry.object_id, entry.after["course"]) == (learner.id, award.id, course.url)


def test_unmarking_a_course_no_level_badge_rests_on_changes_no_badge(app, make, two_modules):
    from app.catalogue.services import unmark_done
    path, cohorts, mentor, course = two_modules  # the course is an optional suggestion, not evidence
    learner = make.user()
    mark_done(db.session, user=learner, course=course, note="")
    for cohort in cohorts:
        _complete(app, make, cohort, learner, mentor)
    award = db.session.scalar(select(LevelAward).where(LevelAward.user_id == learner.id))
    assert award.courses == []
    unmark_done(db.session, user=learner, course=course)
    db.session.commit()
    db.session.expire_all()
    assert award.flagged_at is None and award.credential.status == CredentialStatus.ISSUED


def test_unmarking_the_same_course_as_another_learner_leaves_ones_own_badge_alone(app, make, awarded_with_course):
    from app.catalogue.services import unmark_done
    path, learner, course, award = awarded_with_course
    other = make.user()
    mark_done(db.session, user=other, course=course, note="")
    unmark_done(db.session, user=other, course=course)
    db.session.commit()
    db.session.expire_all()
    assert award.flagged_at is None


@pytest.mark.parametrize("revokes, locale, warning, button", [
    (False, "ja", "「受講済み」を取り消すと、レベルバッジは事務局の確認対象（要確認）になり、失効することがあります。",
     "「受講済み」を取り消す（レベルバッジは要確認になります）"),
    (True, "ja", "「受講済み」を取り消すと、レベルバッジは失効します。", "「受講済み」を取り消す（レベルバッジは失効します）"),
    (False, "en", "If you undo “done”, the level badge is flagged for the programme office to check, and may be revoked.",
     "Undo “done” and flag the level badge"),
    (True, "en", "If you undo “done”, the level badge is revoked.", "Undo “done” and lose the level badge"),
])
def test_the_catalogue_warns_before_unmarking_a_course_a_level_badge_rests_on(
        app, make, login_as, awarded_with_course, revokes, locale, warning, button):
    path, learner, course, award = awarded_with_course
    path.revokes_level_badges = revokes
    learner.locale = locale
    plain = _course(2)
    mark_done(db.session, user=learner, course=plain, note="")
    db.session.commit()
    page = login_as(learner).get("/catalogue/").get_data(as_text=True)
    resting, other = (page.split(f'id="course-{c.id}"')[1].split("</li>")[0] for c in (course, plain))
    assert warning in resting and button in resting
    assert "warning-box" not in other and button not in other
    assert ("Undo “done”" if locale == "en" else "「受講済み」を取り消す") in other
    # Once the badge is revoked, un-marking changes nothing more: no warning.
    if revokes:
        from app.badges.revocation import revoke as revoke_badge
        revoke_badge(db.session, award.credential, reason="確認のため", actor=None, now=utcnow())
        db.session.commit()
        assert warning not in login_as(learner).get("/catalogue/").get_data(as_text=True)


def test_loading_the_starter_paths_awards_the_learners_who_already_complete_them(app, make, runner):
    from app.catalogue.services import load_starter as load_catalogue
    load_catalogue(db.session)
    # The starter paths' modules, as factory modules of one exercise under the shipped slugs.
    versions = {slug: make.module_version(exercises=1, slug=slug) for slug in (
        "municipal-digital-basics", "sorachi-agriculture", "hokkaido-tourism", "kushiro-fisheries")}
    mentor, learner = make.user(Role.MENTOR), make.user()
    for slug in ("municipal-digital-basics", "sorachi-agriculture"):  # the level-1 path's required modules
        _complete(app, make, make.cohort(versions[slug], mentors=[mentor]), learner, mentor)
    result = runner.invoke(args=["paths", "load-starter"])
    assert result.exit_code == 0 and "2 starter path(s) added; 1 level badge(s) to issue" in result.output
    [level] = _level_credentials(learner)
    assert level.achievement.talent_level == 1
