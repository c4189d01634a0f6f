"""The modules that ship under exercises/ (three regional scenarios and a level-0 basics module): valid,
complete, and consistent with their data."""

import importlib.util
import sys
from collections import Counter, defaultdict

import pytest

from app.content.cli import DEFAULT_ROOT
from app.content.derive import evaluate, read_rows
from app.content.loader import load_all
from app.content.question_kinds import QuestionKind

PBL_MODULES = ("sorachi-agriculture", "kushiro-fisheries", "hokkaido-tourism")
BASICS = "municipal-digital-basics"
MODULES = PBL_MODULES + (BASICS,)
PBL_STEPS = 5


@pytest.fixture(scope="module")
def shipped():
    specs, errors = load_all(DEFAULT_ROOT)
    assert [str(e) for e in errors] == []
    return {spec.slug: spec for spec in specs}


def test_the_modules_ship(shipped):
    assert sorted(shipped) == sorted(MODULES)


def test_level_zero_module_is_a_short_path_for_every_employee(shipped):
    spec = shipped[BASICS]
    assert spec.target_level == 0 and spec.estimated_hours <= 3
    assert all(e.is_required and e.skills.talent_level == 0 for e in spec.exercises)
    assert {q.kind for e in spec.exercises for q in e.questions} == {QuestionKind.NUMERIC, QuestionKind.SINGLE,
                                                                    QuestionKind.MULTIPLE}


@pytest.mark.parametrize("slug", PBL_MODULES)
def test_module_follows_the_pbl_sequence_with_complete_metadata(shipped, slug):
    spec = shipped[slug]
    assert len([e for e in spec.exercises if e.is_required]) >= PBL_STEPS
    assert 0 <= spec.target_level <= 3 and spec.estimated_hours > 0
    assert len(spec.objectives) >= 3 and len(spec.personas) >= 3 and spec.sources
    for exercise in spec.exercises:
        assert 3 <= len(exercise.criteria) <= 5
        assert all(len(c.levels) == 4 for c in exercise.criteria)
    assert any(e.unlock and e.unlock.after for e in spec.exercises)
    assert any(e.unlock and e.unlock.days_after_start is not None for e in spec.exercises)
    assert any(e.event for e in spec.exercises)
    kinds = {q.kind for e in spec.exercises for q in e.questions}
    assert kinds == {QuestionKind.NUMERIC, QuestionKind.SINGLE, QuestionKind.MULTIPLE}
    assert any(m.filename.endswith(".csv") for e in spec.exercises for m in e.materials)


def _questions_with_data():
    specs, _ = load_all(DEFAULT_ROOT)
    return [pytest.param(spec.slug, exercise.slug, q, id=f"{spec.slug}/{exercise.slug}/{q.slug}")
            for spec in specs for exercise in spec.exercises for q in exercise.questions if q.derivation]


@pytest.mark.parametrize("module, exercise, question", _questions_with_data())
def test_answer_key_follows_from_the_shipped_csv(module, exercise, question):
    derived = evaluate(question.derivation, DEFAULT_ROOT / module / exercise)
    if question.kind == QuestionKind.NUMERIC:
        assert abs(derived - question.answer) <= question.tolerance + 1e-9
    else:
        assert derived == next(c.value for c in question.choices if c.is_correct)


def test_every_numeric_question_is_derived_from_data(shipped):
    numeric = [q for spec in shipped.values() for e in spec.exercises for q in e.questions
               if q.kind == QuestionKind.NUMERIC]
    assert numeric and all(q.derivation for q in numeric)


def test_generator_reproduces_every_shipped_data_set_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("enshu_generate", DEFAULT_ROOT / "_generator" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate_all(tmp_path)
    generated = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.csv")}
    shipped_csv = {p.relative_to(DEFAULT_ROOT): p.read_bytes() for p in DEFAULT_ROOT.rglob("data/*.csv")}
    assert generated and generated.keys() == shipped_csv.keys()
    for path, data in generated.items():
        assert data == shipped_csv[path], f"{path} differs from what the generator writes"
        assert data.startswith(b"\xef\xbb\xbf"), f"{path} lacks the BOM that Japanese Excel needs"
        assert data.decode("utf-8-sig").splitlines()[0]  # UTF-8 with a header line


def test_data_sets_are_labelled_simulated(shipped):
    for spec in shipped.values():
        for exercise in spec.exercises:
            if exercise.materials:
                assert all(m.is_simulated for m in exercise.materials if m.filename.endswith(".csv"))
                assert "模擬データ" in exercise.brief.ja


@pytest.mark.parametrize("slug", MODULES)
def test_module_can_be_taken_end_to_end(app, make, slug):
    """Sync the shipped content, then work through the module in order: answer its questions, submit,
    have each exercise accepted; the completion record and the badge follow."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.auth.models import Role
    from app.autocheck.services import check_answers
    from app.badges.models import Credential
    from app.completions.models import CompletionRecord
    from app.content.models import Module, ModuleVersion
    from app.content.services import sync_modules
    from app.core.db import utcnow
    from app.core.storage import FileStorage
    from app.core.transaction import commit
    from app.extensions import db
    from app.reviews.services import review_version
    from app.submissions.services import submit_version
    from app.submissions.unlocking import lock_for

    storage = FileStorage(app.config["STORAGE_DIR"])
    specs = [s for s in load_all(DEFAULT_ROOT)[0] if s.slug == slug]
    sync_modules(db.session, specs, storage, utcnow(), retire_missing=False)
    version = db.session.scalar(select(ModuleVersion).join(Module).where(Module.slug == slug))
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(version, learners=[learner], mentors=[mentor], started_days_ago=100, days_open=200)
    enrolment = make.enrolment(group, learner)
    now = utcnow()
    second = version.exercises[1]
    assert lock_for(db.session, enrolment, second, now) is not None  # the scenario unfolds in order
    for exercise in [e for e in version.exercises if e.is_required]:
        responses = {q.id: [str(q.answer_key["value"])] if q.kind == "numeric" else q.answer_key["keys"]
                     for q in exercise.questions}
        results, invalid = check_answers(db.session, enrolment=enrolment, exercise=exercise, responses=responses,
                                         now=now)
        assert all(results.values()) and not invalid, exercise.slug
        submitted = submit_version(db.session, enrolment=enrolment, exercise=exercise, body_md="回答です。",
                                   uploads=[], keep_attachment_ids=set(), storage=storage, now=now,
                                   max_answer_chars=1000, max_attachment_bytes=1000)
        review_version(db.session, version=submitted, mentor=mentor, decision="accepted",
                       points_by_criterion={c.id: c.max_points for c in exercise.criteria}, feedback_md="合格",
                       now=now)
        now += timedelta(minutes=1)
    commit(db.session)  # the credential is issued once the decisions are committed
    record = db.session.scalar(select(CompletionRecord))
    assert record is not None and record.score_percent == 100.0
    assert db.session.scalar(select(Credential.status)) == "issued"


# --- Data sets that agree with each other -------------------------------------------------------------

def _rows(module: str, exercise: str, name: str) -> list[dict[str, str]]:
    return read_rows(DEFAULT_ROOT / module / exercise / "data" / name)


@pytest.fixture(scope="module")
def tourism_facts():
    """The lakeside area's rooms, share and guests per room, as the generator (and 04's brief) state them."""
    sys.path.insert(0, str(DEFAULT_ROOT / "_generator"))
    try:
        spec = importlib.util.spec_from_file_location("enshu_tourism", DEFAULT_ROOT / "_generator" / "tourism.py")
        tourism = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tourism)
    finally:
        sys.path.remove(str(DEFAULT_ROOT / "_generator"))
    return tourism


def test_last_winters_bookings_match_the_towns_guest_nights(tourism_facts):
    """Room-nights × guests per room ÷ the lakeside share ≈ the town's guest-nights of the same month,
    in total (01's visitors_monthly) and for the foreign markets (03's inbound_stays)."""
    t = tourism_facts
    bookings = _rows("hokkaido-tourism", "04-proposal", "winter_bookings.csv")
    visitors = _rows("hokkaido-tourism", "01-current-state", "visitors_monthly.csv")
    inbound = _rows("hokkaido-tourism", "03-data-analysis", "inbound_stays.csv")
    guests, foreign = Counter(), Counter()
    for row in bookings:
        month = int(row["週の開始日"][5:7])
        people = int(row["前季実績_室泊"]) * t.guests_per_room(row["市場"]) / t.LAKESIDE_SHARE
        guests[month] += people
        if row["市場"] != "国内":
            foreign[month] += people
    assert sorted(guests) == [1, 2, 3, 12]
    for month in guests:
        town = next(int(v["宿泊延べ数_人泊"]) for v in visitors if v["年度"] == "2024" and v["月"] == str(month))
        town_foreign = sum(int(i["宿泊客延数_人泊"]) for i in inbound if i["年度"] == "2024" and i["月"] == str(month))
        assert abs(guests[month] / town - 1) < 0.1, month
        assert abs(foreign[month] / town_foreign - 1) < 0.1, month


def test_no_week_or_month_exceeds_the_rooms_there_are(tourism_facts):
    t = tourism_facts
    week_total = Counter()
    for row in _rows("hokkaido-tourism", "04-proposal", "winter_bookings.csv"):
        week_total[row["週の開始日"]] += int(row["前季実績_室泊"])
    assert max(week_total.values()) <= t.ROOMS * 7
    assert t.ROOMS / t.TOWN_ROOMS == pytest.approx(t.LAKESIDE_SHARE, abs=0.01)
    most_per_room = max([*t.GUESTS_PER_ROOM.values(), t.GUESTS_PER_ROOM_OVERSEAS])
    for row in _rows("hokkaido-tourism", "01-current-state", "visitors_monthly.csv"):
        assert int(row["宿泊延べ数_人泊"]) <= t.TOWN_ROOMS * 31 * most_per_room, (row["年度"], row["月"])


def test_kushiro_auction_prices_match_the_monthly_landings():
    """The fresh-fish auction of September and October 2025 and the month's landings value per kg
    tell the same price story (within 15 %)."""
    auction = defaultdict(lambda: [0.0, 0.0])
    for lot in _rows("kushiro-fisheries", "03-data-analysis", "auction_lots.csv"):
        if lot["落札単価_円kg"] != "不落":
            key = (lot["魚種"], int(lot["セリ日"][5:7]))
            auction[key][0] += float(lot["数量_kg"]) * float(lot["落札単価_円kg"])
            auction[key][1] += float(lot["数量_kg"])
    landings = {(r["魚種"], int(r["月"])): int(r["水揚金額_千円"]) / int(r["水揚量_t"])
                for r in _rows("kushiro-fisheries", "01-current-state", "landings_monthly.csv") if r["年"] == "2025"}
    for species in ("サンマ", "秋サケ"):
        for month in (9, 10):
            value, kg = auction[(species, month)]
            assert abs(value / kg / landings[(species, month)] - 1) < 0.15, (species, month)


def test_sorachi_patrol_log_matches_the_field_register():
    fields = {r["圃場ID"]: r for r in _rows("sorachi-agriculture", "03-data-analysis", "field_register.csv")}
    paddies = Counter(r["経営体ID"] for r in fields.values() if r["作付_2025"] == "水稲")
    with_sensor = {r["経営体ID"] for r in fields.values() if r["水位センサー"] == "あり"}
    log = _rows("sorachi-agriculture", "03-data-analysis", "water_patrol_log.csv")
    assert {r["経営体ID"]: int(r["水稲圃場_枚"]) for r in log} == paddies
    assert {r["経営体ID"] for r in log if r["センサー"] == "あり"} == with_sensor
    farms_2024 = sum(int(r["農家戸数"]) for r in _rows("sorachi-agriculture", "01-current-state", "farm_households.csv")
                     if r["年度"] == "2024")
    respondents = {tuple(v for k, v in r.items() if k != "回答番号")
                   for r in _rows("sorachi-agriculture", "02-issue-setting", "farmer_survey.csv")}
    assert len(respondents) <= farms_2024


@pytest.mark.parametrize("slug", MODULES)
def test_every_exercise_has_a_mentor_pack_and_its_skills(shipped, slug):
    spec = shipped[slug]
    for exercise in spec.exercises:
        assert exercise.mentor_pack is not None, exercise.slug
        assert exercise.skills is not None and (exercise.skills.dss_literacy or exercise.skills.dss_promotion)
        if exercise.is_required:
            assert exercise.skills.talent_level == spec.target_level, exercise.slug


def test_level_two_modules_ask_for_more_than_level_one(shipped):
    """Level 2 joins data sets across exercises and with published figures, and defends its indicators;
    the level-1 module does neither."""
    def csv_names(spec, exercise):
        return {m.filename for m in exercise.materials if m.filename.endswith(".csv")}

    def joins_other_data(spec):
        return any(name in exercise.brief.ja
                   for exercise in spec.exercises if exercise.is_required
                   for other in spec.exercises if other is not exercise
                   for name in csv_names(spec, other))

    def asks(spec, words):
        return any(all(w in e.brief.ja for w in words) for e in spec.exercises if e.is_required)

    by_level = {level: [s for s in shipped.values() if s.target_level == level] for level in (1, 2)}
    assert by_level[1] and by_level[2]
    for spec in by_level[2]:
        assert joins_other_data(spec), spec.slug
        assert asks(spec, ("公開の数字から", "表を作り")) or asks(spec, ("公開情報", "表を作り")), spec.slug
        assert asks(spec, ("指標定義", "弱点")), spec.slug
        assert any(p.startswith("データサイエンティスト") for e in spec.exercises if e.is_required
                   for p in e.skills.dss_promotion), spec.slug
    for spec in by_level[1]:
        assert not asks(spec, ("指標定義", "弱点")), spec.slug
