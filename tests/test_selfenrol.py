"""Self-enrolment (issue 12): learners join a cohort with its code or link, up to its capacity and then on
its waiting list; every refusal says why (ja and en); the waiting list moves up when a seat comes free;
two learners taking the last seat at once never exceed the capacity; organizers change the code and
admit or remove the people waiting. And mentors read the progress table of their own cohorts."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cohorts import membership, selfenrol
from app.cohorts.lifecycle import CohortArchived
from app.cohorts.models import CohortStatus, Enrolment, EnrolmentStatus, WaitingListEntry
from app.cohorts.signals import enrolled_from_waiting_list
from app.core.db import utcnow
from app.extensions import db
from tests.test_concurrency import at_once
from tests.world import row_counts


def _open_cohort(make, *, capacity=None, waiting_list=False, status=CohortStatus.OPEN, learners=()):
    group = make.cohort(status=CohortStatus.OPEN, learners=learners)
    organizer = make.user(Role.ORGANIZER)
    selfenrol.update_settings(db.session, group, enabled=True, capacity=capacity, has_waiting_list=waiting_list,
                              actor=organizer, now=utcnow())
    group.status = status  # set up while open: an archived cohort's settings change no more
    db.session.commit()
    return group


def _active(group) -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.cohort_id == group.id, Enrolment.status == EnrolmentStatus.ACTIVE)))


def _waiting(group) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(WaitingListEntry.user_id).where(WaitingListEntry.cohort_id == group.id)
                                   .order_by(WaitingListEntry.joined_at, WaitingListEntry.id)))


def _join(group, user, now=None):
    result = selfenrol.join(db.session, group, group.join_code, user, now or utcnow())
    db.session.commit()
    return result


# Codes


def test_codes_carry_40_random_bits_without_look_alike_characters():
    assert len(selfenrol.ALPHABET) ** selfenrol.CODE_LENGTH >= 2 ** 40
    assert not set("01OI") & set(selfenrol.ALPHABET)
    codes = {selfenrol.new_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 8 and set(c) <= set(selfenrol.ALPHABET) for c in codes)
    assert selfenrol.format_code("ABCD2345") == "ABCD-2345"


@pytest.mark.parametrize("typed", ["ABCD-2345", "abcd2345", " abcd 2345 ", "ＡＢＣＤ－２３４５", "ABCDー2345"])
def test_a_code_is_read_however_it_was_typed(typed):
    assert selfenrol.normalize_code(typed) == "ABCD2345"


@pytest.mark.parametrize("typed", ["", "ABCD-234", "ABCD-23456", "ABCD-2340", "OBCD-2345", "IBCD-2345", "ABCD+2345"])
def test_what_cannot_be_a_code_is_refused_before_any_look_up(typed):
    assert selfenrol.normalize_code(typed) is None


def test_self_enrolment_is_off_by_default_and_turning_it_off_and_on_gives_a_new_code(app, make):
    group = make.cohort()
    assert group.join_code is None and group.capacity is None and not group.has_waiting_list
    group = _open_cohort(make)
    first = group.join_code
    assert selfenrol.cohort_for_code(db.session, selfenrol.format_code(first)).id == group.id
    organizer = make.user(Role.ORGANIZER)
    selfenrol.update_settings(db.session, group, enabled=False, capacity=None, has_waiting_list=False,
                              actor=organizer, now=utcnow())
    assert group.join_code is None and selfenrol.cohort_for_code(db.session, first) is None
    selfenrol.update_settings(db.session, group, enabled=True, capacity=None, has_waiting_list=False,
                              actor=organizer, now=utcnow())
    assert group.join_code not in (None, first)


def test_a_new_code_ends_the_old_one(app, make):
    group = _open_cohort(make)
    old = group.join_code
    new = selfenrol.regenerate_code(db.session, group, make.user(Role.ORGANIZER))
    db.session.commit()
    assert new != old and selfenrol.cohort_for_code(db.session, old) is None
    assert selfenrol.cohort_for_code(db.session, new).id == group.id
    with pytest.raises(selfenrol.JoinRefused) as refused:
        selfenrol.join(db.session, group, old, make.user(Role.LEARNER), utcnow())
    assert refused.value.code == "wrong_code"


def test_archived_cohorts_keep_their_settings(app, make):
    group = _open_cohort(make, status=CohortStatus.ARCHIVED)
    organizer = make.user(Role.ORGANIZER)
    with pytest.raises(CohortArchived):
        selfenrol.regenerate_code(db.session, group, organizer)
    with pytest.raises(CohortArchived):
        selfenrol.update_settings(db.session, group, enabled=False, capacity=None, has_waiting_list=False,
                                  actor=organizer, now=utcnow())


# Joining


def test_a_learner_joins_up_to_the_capacity_then_the_cohort_is_full(app, make):
    group = _open_cohort(make, capacity=2)
    first, second, third = (make.user(Role.LEARNER) for _ in range(3))
    assert _join(group, first).enrolment is not None
    assert _join(group, second).enrolment is not None
    with pytest.raises(selfenrol.JoinRefused) as refused:
        _join(group, third)
    assert refused.value.code == "full"
    assert _active(group) == sorted([first.id, second.id]) and _waiting(group) == []


def test_with_a_waiting_list_the_next_learners_wait_in_order(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    people = [make.user(Role.LEARNER) for _ in range(3)]
    results = [_join(group, person) for person in people]
    assert results[0].enrolment is not None
    assert [r.waiting_position for r in results[1:]] == [1, 2]
    assert _waiting(group) == [people[1].id, people[2].id]


@pytest.mark.parametrize("case, reason", [
    ("draft", "not_open"), ("closed", "closed"), ("archived", "closed"), ("ended", "closed"),
    ("enrolled", "already_enrolled"), ("withdrawn", "withdrawn"), ("waiting", "already_waiting"),
    ("mentor", "not_a_learner"),
])
def test_joining_is_refused_with_its_reason_and_changes_nothing(app, make, case, reason):
    status = {"draft": CohortStatus.DRAFT, "closed": CohortStatus.CLOSED,
              "archived": CohortStatus.ARCHIVED}.get(case, CohortStatus.OPEN)
    person = make.user(Role.MENTOR if case == "mentor" else Role.LEARNER)
    group = _open_cohort(make, status=status, capacity=1, waiting_list=True,
                         learners=[person] if case in ("enrolled", "withdrawn") else [make.user(Role.LEARNER)])
    if case == "withdrawn":
        membership.withdraw(db.session, make.enrolment(group, person), person, utcnow())
    if case == "waiting":
        _join(group, person)
    db.session.commit()
    now = group.ends_at + timedelta(minutes=1) if case == "ended" else utcnow()
    before = row_counts()
    with pytest.raises(selfenrol.JoinRefused) as refused:
        selfenrol.join(db.session, group, group.join_code, person, now)
    db.session.rollback()
    assert refused.value.code == reason
    assert row_counts() == before


# The waiting list moves up


def test_withdrawing_a_learner_enrols_the_first_one_waiting_and_sends_the_signal(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    seated, first, second = (make.user(Role.LEARNER) for _ in range(3))
    for person in (seated, first, second):
        _join(group, person)
    sent = []

    def listener(session, enrolment):
        sent.append(enrolment.user_id)

    with enrolled_from_waiting_list.connected_to(listener):
        membership.withdraw(db.session, make.enrolment(group, seated), make.user(Role.ORGANIZER), utcnow())
        db.session.commit()
    assert sent == [first.id]
    assert _active(group) == [first.id] and _waiting(group) == [second.id]


def test_raising_the_capacity_enrols_those_waiting_in_order(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    people = [make.user(Role.LEARNER) for _ in range(4)]
    for person in people:
        _join(group, person)
    organizer = make.user(Role.ORGANIZER)
    enrolled = selfenrol.update_settings(db.session, group, enabled=True, capacity=3, has_waiting_list=True,
                                         actor=organizer, now=utcnow())
    db.session.commit()
    assert [e.user_id for e in enrolled] == [people[1].id, people[2].id]
    assert _waiting(group) == [people[3].id]
    selfenrol.update_settings(db.session, group, enabled=True, capacity=None, has_waiting_list=True,
                              actor=organizer, now=utcnow())
    db.session.commit()
    assert _active(group) == sorted(p.id for p in people) and _waiting(group) == []


def test_moving_a_learner_to_another_cohort_gives_their_seat_to_the_first_waiting(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    moving, waiting = make.user(Role.LEARNER), make.user(Role.LEARNER)
    _join(group, moving)
    _join(group, waiting)
    later = make.cohort(group.module_version, status=CohortStatus.OPEN)
    membership.move(db.session, make.enrolment(group, moving), later, make.user(Role.ORGANIZER), utcnow())
    db.session.commit()
    assert _active(group) == [waiting.id] and _active(later) == [moving.id]


def test_a_closed_cohort_enrols_nobody_from_its_waiting_list(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    seated, waiting = make.user(Role.LEARNER), make.user(Role.LEARNER)
    _join(group, seated)
    _join(group, waiting)
    group.status = CohortStatus.CLOSED
    db.session.commit()
    membership.withdraw(db.session, make.enrolment(group, seated), make.user(Role.ORGANIZER), utcnow())
    db.session.commit()
    assert _active(group) == [] and _waiting(group) == [waiting.id]


def test_someone_enrolled_meanwhile_by_the_office_leaves_the_seat_to_the_next(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    seated, imported, next_one = (make.user(Role.LEARNER) for _ in range(3))
    for person in (seated, imported, next_one):
        _join(group, person)
    db.session.add(Enrolment(cohort=group, user=imported))  # e.g. a participants list imported meanwhile
    db.session.commit()
    membership.withdraw(db.session, make.enrolment(group, seated), make.user(Role.ORGANIZER), utcnow())
    membership.withdraw(db.session, make.enrolment(group, imported), make.user(Role.ORGANIZER), utcnow())
    db.session.commit()
    assert _active(group) == [next_one.id] and _waiting(group) == []


def test_the_organizer_admits_beyond_the_capacity_or_removes(app, make):
    group = _open_cohort(make, capacity=1, waiting_list=True)
    seated, admitted, removed = (make.user(Role.LEARNER) for _ in range(3))
    for person in (seated, admitted, removed):
        _join(group, person)
    organizer = make.user(Role.ORGANIZER)
    selfenrol.admit(db.session, group, admitted.id, organizer, utcnow())
    selfenrol.remove_waiting(db.session, group, removed.id, organizer)
    db.session.commit()
    assert _active(group) == sorted([seated.id, admitted.id]) and _waiting(group) == []
    with pytest.raises(selfenrol.NotWaiting):
        selfenrol.admit(db.session, group, removed.id, organizer, utcnow())


# Two at once


@pytest.mark.parametrize("waiting_list", [False, True])
def test_two_learners_taking_the_last_seat_at_once_never_exceed_the_capacity(app, make, login_as, waiting_list):
    group = _open_cohort(make, capacity=2, waiting_list=waiting_list, learners=[make.user(Role.LEARNER)])
    people = [make.user(Role.LEARNER) for _ in range(2)]
    clients = [login_as(person) for person in people]
    url, form = f"/join/{selfenrol.format_code(group.join_code)}", {"cohort_id": str(group.id)}
    for _round in range(3):
        statuses = at_once([lambda c=c: c.post(url, data=form).status_code for c in clients])
        assert sorted(statuses) == ([302, 302] if waiting_list else [302, 409]), statuses
        assert len(_active(group)) == 2
        assert len(_waiting(group)) == (1 if waiting_list else 0)
        # Again from the start: the one who got in leaves.
        db.session.execute(Enrolment.__table__.delete().where(Enrolment.cohort_id == group.id,
                                                              Enrolment.user_id.in_([p.id for p in people])))
        db.session.execute(WaitingListEntry.__table__.delete())
        db.session.commit()


# Pages: what each person sees, in Japanese and in English


def _in(client, locale):
    client.post("/language", data={"locale": locale})
    return client


def _code_url(group):
    return f"/join/{selfenrol.format_code(group.join_code)}"


@pytest.mark.parametrize("locale, texts", [
    ("ja", ("参加コードで登録", "この受講期に参加する")),
    ("en", ("Join a cohort with a code", "Join this cohort")),
])
def test_a_learner_enters_the_code_from_home_sees_the_cohort_and_joins(app, make, login_as, locale, texts):
    group = _open_cohort(make)
    group.description = "空知の農業を題材にした演習です。"
    db.session.commit()
    learner = make.user(Role.LEARNER)
    client = _in(login_as(learner), locale)
    home = client.get("/").get_data(as_text=True)
    assert texts[0] in home and 'href="/join"' in home
    response = client.post("/join", data={"code": group.join_code.lower()})
    assert response.status_code == 302 and response.location.endswith(_code_url(group))
    page = client.get(response.location).get_data(as_text=True)
    assert group.name in page and "空知の農業を題材にした演習です。" in page and texts[1] in page
    assert group.module_version.title(locale) in page
    response = client.post(_code_url(group), data={"cohort_id": str(group.id)})
    assert response.status_code == 302
    assert _active(group) == [learner.id]
    assert group.name in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("locale, message", [
    ("ja", "この参加コードに当てはまる受講期がありません。"),
    ("en", "This join code does not match any cohort."),
])
def test_a_wrong_code_is_refused_with_a_message_and_changes_nothing(app, make, login_as, locale, message):
    group = _open_cohort(make)
    client = _in(login_as(make.user(Role.LEARNER)), locale)
    before = row_counts()
    wrong = "ZZZZ-ZZZZ" if group.join_code != "ZZZZZZZZ" else "YYYY-YYYY"
    response = client.post("/join", data={"code": wrong})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = client.get(f"/join/{wrong}")
    assert response.status_code == 404 and message in response.get_data(as_text=True)
    response = client.post(f"/join/{wrong}", data={"cohort_id": str(group.id)})
    assert response.status_code == 404 and message in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("locale, message", [
    ("ja", "受け取った参加コードを入力してください。"), ("en", "Enter the join code you received.")])
def test_an_empty_code_is_asked_for(app, make, login_as, locale, message):
    client = _in(login_as(make.user(Role.LEARNER)), locale)
    response = client.post("/join", data={"code": ""})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_the_old_link_stops_working_after_a_new_code(app, make, login_as):
    group = _open_cohort(make)
    old_url = _code_url(group)
    organizer = _in(login_as(make.user(Role.ORGANIZER)), "en")
    response = organizer.post(f"/manage/cohorts/{group.id}/self-enrolment/new-code")
    db.session.expire_all()
    new = selfenrol.format_code(group.join_code)
    assert response.status_code == 302
    assert f"The new join code is {new}." in organizer.get(response.location).get_data(as_text=True)
    client = _in(login_as(make.user(Role.LEARNER)), "en")
    assert client.get(old_url).status_code == 404
    assert client.get(f"/join/{new}").status_code == 200


REFUSALS = {
    "full": ("この受講期は定員に達しており、キャンセル待ちもありません。",
             "This cohort is full, and it has no waiting list."),
    "not_open": ("この受講期はまだ登録を受け付けていません。", "This cohort is not open for enrolment yet."),
    "closed": ("この受講期の登録受付は終了しました。", "Enrolment for this cohort has closed."),
    "already_enrolled": ("この受講期にはすでに登録されています。", "You are already enrolled in this cohort."),
    "withdrawn": ("この受講期は受講取りやめになっています。", "You were withdrawn from this cohort."),
}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("reason", list(REFUSALS))
def test_each_refusal_shows_the_learner_why(app, make, login_as, reason, locale):
    learner = make.user(Role.LEARNER)
    status = {"not_open": CohortStatus.DRAFT, "closed": CohortStatus.CLOSED}.get(reason, CohortStatus.OPEN)
    learners = {"full": [make.user(Role.LEARNER)], "already_enrolled": [learner], "withdrawn": [learner]}
    group = _open_cohort(make, status=status, capacity=1, learners=learners.get(reason, []))
    if reason == "withdrawn":
        membership.withdraw(db.session, make.enrolment(group, learner), learner, utcnow())
        db.session.commit()
    message = REFUSALS[reason][0 if locale == "ja" else 1]
    client = _in(login_as(learner), locale)
    page = client.get(_code_url(group))
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert 'name="cohort_id"' not in page.get_data(as_text=True)  # nothing to confirm
    before = row_counts()
    response = client.post(_code_url(group), data={"cohort_id": str(group.id)})
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert row_counts() == before


def test_the_seat_taken_while_the_learner_read_the_page_is_refused_with_the_message(app, make, login_as):
    group = _open_cohort(make, capacity=1)
    late = make.user(Role.LEARNER)
    client = _in(login_as(late), "en")
    assert client.get(_code_url(group)).status_code == 200
    _join(group, make.user(Role.LEARNER))
    response = client.post(_code_url(group), data={"cohort_id": str(group.id)})
    assert response.status_code == 409
    assert "This cohort is full, and it has no waiting list." in response.get_data(as_text=True)


@pytest.mark.parametrize("locale, texts", [
    ("ja", ("キャンセル待ちに登録する", "キャンセル待ちの順番: 2 番目")),
    ("en", ("Join the waiting list", "Your place on the waiting list: number 2.")),
])
def test_a_full_cohort_with_a_waiting_list_says_so_and_gives_the_place(app, make, login_as, locale, texts):
    group = _open_cohort(make, capacity=1, waiting_list=True, learners=[make.user(Role.LEARNER)])
    _join(group, make.user(Role.LEARNER))
    client = _in(login_as(make.user(Role.LEARNER)), locale)
    assert texts[0] in client.get(_code_url(group)).get_data(as_text=True)
    response = client.post(_code_url(group), data={"cohort_id": str(group.id)})
    assert response.status_code == 302
    assert texts[1] in client.get(response.location).get_data(as_text=True)


def test_a_bare_post_to_the_link_enrols_nobody(app, make, login_as):
    group = _open_cohort(make)
    client = login_as(make.user(Role.LEARNER))
    assert client.post(_code_url(group), data={}).status_code == 422
    assert client.post(_code_url(group), data={"cohort_id": "999999"}).status_code == 422
    assert _active(group) == []


def test_signed_out_people_sign_in_and_come_back_to_the_link(app, make, client):
    group = _open_cohort(make)
    learner = make.user(Role.LEARNER)
    response = client.get(_code_url(group))
    assert response.status_code == 302 and "/login" in response.location
    assert f"next={quote(_code_url(group), safe='')}" in response.location
    from tests.factories import PASSWORD
    response = client.post(response.location, data={"email": learner.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith(_code_url(group))


def test_wrong_codes_are_rate_limited_per_learner_but_right_ones_are_not(app_with, make):
    limited = app_with(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", JOIN_CODE_RATE_LIMIT="3 per hour")
    group = _open_cohort(make)
    learner = make.user(Role.LEARNER)
    from tests.conftest import login
    client = login(limited.test_client(), learner)
    for _ in range(5):  # right codes never count
        assert client.get(_code_url(group)).status_code == 200
    statuses = [client.post("/join", data={"code": "ZZZZ-ZZZ9"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 422]
    assert client.get("/join/ZZZZ-ZZZ9").status_code == 429
    assert client.get(_code_url(group)).status_code == 429  # the learner waits, whatever the code
    other = login(limited.test_client(), make.user(Role.LEARNER))
    assert other.get(_code_url(group)).status_code == 200
    assert "/login" in limited.test_client().get(_code_url(group)).location  # signed out: nobody to count


# The organizer's side


@pytest.mark.parametrize("locale, message", [
    ("ja", "1 から 10000 までの整数を入力してください。"),
    ("en", "Enter a whole number from 1 to 10000, or leave it empty for no limit."),
])
@pytest.mark.parametrize("capacity", ["0", "-3", "abc", "10001", "1.5"])
def test_a_capacity_that_is_not_a_number_of_seats_is_refused(app, make, login_as, locale, message, capacity):
    group = make.cohort()
    client = _in(login_as(make.user(Role.ORGANIZER)), locale)
    before = row_counts()
    response = client.post(f"/manage/cohorts/{group.id}/self-enrolment",
                           data={"is_enabled": "y", "capacity": capacity})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert group.join_code is None and group.capacity is None


def test_the_organizer_turns_it_on_sees_the_code_and_link_and_the_waiting_list(app, make, login_as):
    group = make.cohort(status=CohortStatus.OPEN, learners=[make.user(Role.LEARNER)])
    client = _in(login_as(make.user(Role.ORGANIZER)), "en")
    response = client.post(f"/manage/cohorts/{group.id}/self-enrolment",
                           data={"is_enabled": "y", "capacity": "1", "has_waiting_list": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    code = selfenrol.format_code(group.join_code)
    page = client.get(response.location).get_data(as_text=True)
    assert code in page and f"{app.config['BASE_URL'].rstrip('/')}/join/{code}" in page
    waiting = make.user(Role.LEARNER, name="待機 花子")
    _join(group, waiting)
    page = client.get(f"/manage/cohorts/{group.id}").get_data(as_text=True)
    assert "Waiting list (1)" in page and "待機 花子" in page and code in page
    response = client.post(f"/manage/cohorts/{group.id}/waiting-list/{waiting.id}/admit")
    assert response.status_code == 302
    assert "待機 花子 is enrolled in this cohort." in client.get(response.location).get_data(as_text=True)
    assert waiting.id in _active(group)
    response = client.post(f"/manage/cohorts/{group.id}/waiting-list/{waiting.id}/remove")
    assert "That person is no longer on the waiting list" in client.get(response.location).get_data(as_text=True)


def test_withdrawing_on_the_cohort_page_tells_the_organizer_who_got_the_seat(app, make, login_as):
    seated = make.user(Role.LEARNER)
    group = _open_cohort(make, capacity=1, waiting_list=True, learners=[seated])
    waiting = make.user(Role.LEARNER)
    _join(group, waiting)
    client = login_as(make.user(Role.ORGANIZER))
    assert client.post(f"/manage/cohorts/{group.id}/learners/{seated.id}/withdraw", data={"confirm": "yes"}).status_code == 302
    assert _active(group) == [waiting.id] and _waiting(group) == []


# Mentors and the progress table


def test_a_mentor_reads_the_progress_table_of_an_assigned_cohort_only(app, make, login_as):
    mentor, other = make.user(Role.MENTOR), make.user(Role.MENTOR)
    learner = make.user(Role.LEARNER, name="進捗 太郎")
    group = make.cohort(learners=[learner], mentors=[mentor])
    client = _in(login_as(mentor), "en")
    page = client.get(f"/manage/progress/cohorts/{group.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "進捗 太郎" in text
    assert "export.csv" not in text and "/manage/cohorts/" not in text  # read-only: no downloads, no staff pages
    assert f'href="/manage/progress/cohorts/{group.id}"' in client.get("/").get_data(as_text=True)
    assert login_as(other).get(f"/manage/progress/cohorts/{group.id}").status_code == 404
    assert login_as(mentor).get(f"/manage/progress/cohorts/{group.id}/export.csv").status_code == 403


def test_no_code_is_ever_shared_by_two_cohorts(app, make):
    groups = [_open_cohort(make) for _ in range(3)]
    codes = [g.join_code for g in groups]
    assert len(set(codes)) == 3 and None not in codes
