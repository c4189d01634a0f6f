"""The learner's own printable record (issue 15): what it shows, that it shows nobody else's, the empty
state, and a fixed number of queries however much the learner has earned."""

from app.auth.models import Organization, OrganizationKind, Role
from app.badges.models import Credential
from app.catalogue.services import mark_done
from app.cohorts.models import Enrolment
from app.extensions import db
from app.paths import services
from tests.test_paths import _course, _path
from tests.test_query_budgets import QUERY_BUDGET, QueryCounter


def _learner(make, town: str = "当別町"):
    place = Organization(name_ja=town, name_en="Tobetsu", kind=OrganizationKind.MUNICIPALITY)
    db.session.add(place)
    db.session.commit()
    return make.user(name="山田花子", organization_id=place.id)


def _cohorts(make, mentor, n: int):
    return [make.cohort(make.module_version(exercises=1), mentors=[mentor], name=f"受講期{i}") for i in range(n)]


def _complete(app, make, cohort, learner, mentor):
    db.session.add(Enrolment(cohort=cohort, user=learner))
    db.session.commit()
    return make.complete_module(cohort, learner, mentor, app.config["STORAGE_DIR"])


def _badge(learner) -> Credential:
    return db.session.scalar(db.select(Credential).where(Credential.recipient_id == learner.id))


def test_the_record_shows_levels_paths_badges_modules_and_courses_of_the_learner_only(app, make, login_as):
    mentor, learner, other = make.user(Role.MENTOR), _learner(make), _learner(make, "別海町")
    first, second, theirs = _cohorts(make, mentor, 3)
    course, their_course = _course(1), _course(2)
    path = _path([services.StepSpec(c.module_version.module_id, None, True) for c in (first, second)]
                 + [services.StepSpec(None, course.id, False)])
    _complete(app, make, first, learner, mentor)
    mark_done(db.session, user=learner, course=course, note="")
    _complete(app, make, theirs, other, mentor)
    mark_done(db.session, user=other, course=their_course, note="")
    db.session.commit()
    badge, their_badge = _badge(learner), _badge(other)

    page = login_as(learner).get("/me/record").get_data(as_text=True)
    assert "わたしの学習記録" in page and "山田花子" in page and "当別町" in page
    assert "印刷する" in page and "data-print" in page
    # The path in progress: one required step of two, the second module next.
    assert path.name_ja in page and "必須ステップ2個のうち1個が完了" in page
    assert "まだ人材レベルには到達していません" in page
    # The badge with its date and its absolute verification address.
    assert f"{app.config['BASE_URL']}/c/{badge.uuid}" in page and badge.achievement.name_ja in page
    assert first.module_version.title_ja in page
    assert course.title in page and "自己申告" in page
    assert "まだ記録はありません" not in page
    # Nothing of the other learner's.
    assert their_badge.uuid not in page and "別海町" not in page and their_course.title not in page
    assert theirs.module_version.title_ja not in page

    # The last required module: the level is reached, and the path no longer shows as ahead.
    _complete(app, make, second, learner, mentor)
    page = login_as(learner).get("/me/record").get_data(as_text=True)
    assert "に到達" in page and "レベルバッジ" in page and "必須ステップ2個のうち" not in page
    assert page.count(f"{app.config['BASE_URL']}/c/") == 2 * 3  # link and text of 3 badges: 2 modules, 1 level


def test_in_english_the_record_uses_the_english_names_and_dates(app, make, login_as):
    mentor, learner = make.user(Role.MENTOR), _learner(make)
    [cohort] = _cohorts(make, mentor, 1)
    _complete(app, make, cohort, learner, mentor)
    client = login_as(learner)
    client.post("/language", data={"locale": "en"})
    page = client.get("/me/record").get_data(as_text=True)
    assert "My learning record" in page and "Tobetsu" in page and "Badges held" in page
    assert cohort.module_version.title_en in page


def test_with_nothing_earned_the_record_says_where_to_begin(app, make, login_as):
    learner = _learner(make)
    page = login_as(learner).get("/me/record").get_data(as_text=True)
    assert "まだ記録はありません" in page
    assert 'href="/paths/"' in page and 'href="/catalogue/"' in page
    assert "修了したモジュールはまだありません" in page and "まだバッジはありません" in page


def test_the_record_is_only_for_the_signed_in(client):
    assert client.get("/me/record").status_code == 302


def test_the_record_takes_a_fixed_number_of_queries(app, make, login_as):
    mentor, learner = make.user(Role.MENTOR), _learner(make)
    client = login_as(learner)

    def earn(n_modules: int, n: int) -> None:
        cohorts = _cohorts(make, mentor, n_modules)
        for c in cohorts:
            _complete(app, make, c, learner, mentor)
        course = _course(n)
        mark_done(db.session, user=learner, course=course, note="")
        db.session.commit()
        _path([services.StepSpec(c.module_version.module_id, None, True) for c in cohorts]
              + [services.StepSpec(None, _course(n + 100).id, False)])

    earn(1, 1)
    with QueryCounter(db.engine) as few:
        assert client.get("/me/record").status_code == 200
    earn(3, 2)
    earn(2, 3)
    with QueryCounter(db.engine) as many:
        assert client.get("/me/record").status_code == 200
    assert few.count == many.count <= QUERY_BUDGET, (few.count, many.count)
