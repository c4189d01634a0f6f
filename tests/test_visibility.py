"""Hokkaido-wide visibility (issue 15): counts per subprefecture, municipality and level, fiscal years,
coverage by level-1 holders, the tile map (the same numbers as the table and the CSV), and the training
records for HR."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Organization, Role
from app.auth.services import load_municipalities
from app.badges.models import Credential
from app.badges.revocation import revoke
from app.core.timeutil import TOKYO, utcnow
from app.extensions import db
from app.visibility import queries
from tests.test_query_budgets import QueryCounter


def _org(code: str) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.code == code))


@pytest.fixture
def hokkaido(app, make):
    """Municipalities loaded; two level-1 holders in Iwamizawa (Sorachi), one in Kushiro city whose badge
    is later revoked, a learner in Nemuro who has not completed, and a level-2 holder without an organization."""
    load_municipalities(db.session)
    db.session.commit()
    mentor = make.user(Role.MENTOR)
    iwamizawa, kushiro, nemuro = _org("012106"), _org("012068"), _org("012238")
    people = {
        "iwamizawa_a": make.user(organization_id=iwamizawa.id, name="岩見沢 一"),
        "iwamizawa_b": make.user(organization_id=iwamizawa.id, name="=岩見沢 二"),
        "kushiro": make.user(organization_id=kushiro.id, name="釧路 三"),
        "nemuro": make.user(organization_id=nemuro.id, name="根室 四"),
        "nowhere": make.user(name="無所属 五"),
    }
    level1 = make.cohort(make.module_version(exercises=1, criteria=1), mentors=[mentor], name="空知の受講期",
                         learners=[people[k] for k in ("iwamizawa_a", "iwamizawa_b", "kushiro", "nemuro")])
    level2_version = make.module_version(exercises=1, criteria=1)
    level2_version.target_level = 2
    level2 = make.cohort(level2_version, mentors=[mentor], name="発展の受講期", learners=[people["nowhere"]])
    for key in ("iwamizawa_a", "iwamizawa_b", "kushiro"):
        make.complete_module(level1, people[key], mentor, app.config["STORAGE_DIR"])
    make.complete_module(level2, people["nowhere"], mentor, app.config["STORAGE_DIR"])
    db.session.commit()
    return people, level1, level2


def _revoke_kushiro(people):
    credential = db.session.scalar(select(Credential).where(Credential.recipient_id == people["kushiro"].id))
    revoke(db.session, credential, reason="誤って発行", actor=people["nowhere"], now=datetime.now(TOKYO))
    db.session.commit()


def test_areas_count_learners_completions_and_holders_per_level(hokkaido):
    people, level1, level2 = hokkaido
    _revoke_kushiro(people)
    table = queries.area_table(db.session, queries.Scope())
    by_code = {area.organization.code: area for area in table.subprefectures}
    assert [a.organization.name_ja for a in table.subprefectures][:3] == ["空知総合振興局", "石狩振興局", "後志総合振興局"]
    assert len(table.subprefectures) == 14 and sum(len(a.parts) for a in table.subprefectures) == 179
    sorachi = by_code["hokkaido-sorachi"]
    assert (sorachi.counts.learners, sorachi.counts.completions, sorachi.counts.holders[1]) == (2, 2, 2)
    iwamizawa = next(p for p in sorachi.parts if p.organization.code == "012106")
    assert iwamizawa.counts.holders == {0: 0, 1: 2, 2: 0, 3: 0}
    # Municipalities are in local-government code order within their subprefecture.
    assert [p.organization.code for p in sorachi.parts] == sorted(p.organization.code for p in sorachi.parts)
    # A revoked badge: its holder still counts as a learner, no longer as a holder.
    kushiro = by_code["hokkaido-kushiro"]
    assert (kushiro.counts.learners, kushiro.counts.holders[1]) == (1, 0)
    assert by_code["hokkaido-nemuro"].counts.learners == 1 and by_code["hokkaido-nemuro"].counts.completions == 0
    assert [(a.organization, a.counts.holders[2]) for a in table.others] == [(None, 1)]
    assert table.total.learners == 5 and table.total.holders[1] == 2 and table.total.holders[2] == 1


def test_a_cohort_and_a_fiscal_year_narrow_the_counts(hokkaido):
    people, level1, level2 = hokkaido
    only_level2 = queries.area_table(db.session, queries.Scope(cohort_id=level2.id))
    assert only_level2.total.learners == 1 and only_level2.total.holders[1] == 0
    # Moved to 31 March (Tokyo) of the fiscal year before: counted in that year, not in this one.
    this_year = queries.fiscal_year_of(datetime.now(TOKYO))
    march_31 = datetime(this_year, 3, 31, 23, 30, tzinfo=TOKYO)
    credential = db.session.scalar(select(Credential).where(Credential.recipient_id == people["iwamizawa_a"].id))
    credential.issued_at = march_31
    credential.completion_record.completed_at = march_31
    db.session.commit()
    assert queries.fiscal_year_of(march_31) == this_year - 1
    assert queries.fiscal_year_of(march_31 + timedelta(minutes=30)) == this_year
    now = queries.area_table(db.session, queries.Scope(fiscal_year=this_year))
    before = queries.area_table(db.session, queries.Scope(fiscal_year=this_year - 1))
    assert (now.total.completions, now.total.holders[1]) == (3, 2)
    assert (before.total.completions, before.total.holders[1]) == (1, 1)
    years = queries.by_fiscal_year(db.session, [this_year, this_year - 1])
    assert [(y.fiscal_year, y.completions, y.new_holders[1], y.new_holders[2]) for y in years] == [
        (this_year, 3, 2, 1), (this_year - 1, 1, 1, 0)]


def test_coverage_lists_municipalities_and_sections_without_a_level_1_holder(hokkaido, make):
    people, level1, level2 = hokkaido
    section = Organization(code="pref-dx", name_ja="デジタル推進課", name_en="Digital Promotion Division",
                           kind="prefecture_section")
    db.session.add(section)
    db.session.commit()
    found = queries.coverage(db.session)
    assert (found.municipalities_covered, found.municipalities_total) == (2, 179)  # Iwamizawa and Kushiro city
    uncovered = {m.code for _, ms in found.municipalities_uncovered for m in ms}
    assert "012106" not in uncovered and "012068" not in uncovered and "012238" in uncovered
    assert found.municipalities_uncovered[0][0].code == "hokkaido-sorachi"
    assert (found.sections_covered, found.sections_total) == (0, 1) and found.sections_uncovered == [section]
    _revoke_kushiro(people)
    assert queries.coverage(db.session).municipalities_covered == 1


def test_a_level_badge_of_a_learning_path_counts_its_holder_at_that_level(app, hokkaido):
    """Issue 15: a level badge (no module, no completion) makes its holder a holder of that level, in the
    areas, the fiscal years and the coverage; a cohort's counts leave it out (it belongs to no cohort)."""
    from app.badges.issuing import create_level_credential
    from app.badges.listeners import badge_settings
    people, level1, level2 = hokkaido
    keys, urls, defaults = badge_settings(app.config)
    create_level_credential(db.session, people["nemuro"], 1, [], keys=keys, urls=urls, defaults=defaults,
                            now=utcnow())
    db.session.commit()
    table = queries.area_table(db.session, queries.Scope())
    nemuro = next(a for a in table.subprefectures if a.organization.code == "hokkaido-nemuro")
    assert (nemuro.counts.completions, nemuro.counts.holders[1]) == (0, 1)
    assert "012238" not in {m.code for _, ms in queries.coverage(db.session).municipalities_uncovered for m in ms}
    this_year = queries.fiscal_year_of(datetime.now(TOKYO))
    assert queries.by_fiscal_year(db.session, [this_year])[0].new_holders[1] == 4
    in_cohort = queries.area_table(db.session, queries.Scope(cohort_id=level1.id))
    assert in_cohort.total.holders[1] == 3


def _download(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def test_the_map_the_table_and_the_export_show_the_same_numbers(hokkaido, make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    page = client.get("/manage/visibility/?level=1").get_data(as_text=True)
    on_map = dict(re.findall(r'data-code="(hokkaido-[a-z]+)" data-count="(\d+)"', page))
    assert len(on_map) == 14 and on_map["hokkaido-sorachi"] == "2" and on_map["hokkaido-kushiro"] == "1"
    rows = re.findall(r'<tr data-code="(hokkaido-[a-z]+)"><th scope="row">([^<]+)</th>((?:<td class="num">\d+</td>\s*)+)', page)
    assert ("hokkaido-sorachi", "空知総合振興局") in [(code, name) for code, name, _ in rows]
    in_table = {code: re.findall(r"\d+", cells) for code, _, cells in rows}
    exported = {line[1]: line for line in _download(client, "/manage/visibility/areas.csv")[1:] if line[1].startswith("hokkaido-")}
    assert len(in_table) == len(exported) == 14
    for code, count in on_map.items():
        learners, completions, *holders = in_table[code]
        assert holders[1] == count  # level 1 column
        assert exported[code][3:] == [learners, completions, *holders]
    assert "<title id=\"map-title\">北海道の14振興局の地図：レベル1の保有者数</title>" in page


def test_the_page_in_english_and_the_level_shown_on_the_map(hokkaido, make, login_as):
    client = login_as(make.user(Role.ORGANIZER, locale="en"))
    page = client.get("/manage/visibility/?level=2").get_data(as_text=True)
    assert "<h1>Digital talent across Hokkaido</h1>" in page and "Level 2 holders by subprefecture" in page
    assert 'data-code="hokkaido-sorachi" data-count="0"' in page
    assert "<summary>Sorachi General Subprefectural Bureau (24 municipalities)</summary>" in page
    # Unknown values fall back to what is shown by default instead of failing.
    assert client.get("/manage/visibility/?level=9&fy=1850&cohort=abc").status_code == 200


def test_training_records_list_every_completion_with_its_badge_and_neutralise_formulas(hokkaido, make, login_as):
    people, level1, level2 = hokkaido
    _revoke_kushiro(people)
    client = login_as(make.user(Role.ORGANIZER))
    lines = _download(client, "/manage/visibility/training-records.csv")
    assert lines[0][:4] == ["メールアドレス", "氏名", "組織コード", "所属組織"]
    assert len(lines[0]) == 16 and len(lines) == 1 + 4
    by_name = {line[1]: line for line in lines[1:]}
    assert "'=岩見沢 二" in by_name  # a name starting with = is text, not a formula
    kushiro = by_name["釧路 三"]
    # The badge was revoked, not the completion.
    assert kushiro[2] == "012068" and kushiro[7] == "1" and kushiro[14] == "失効" and kushiro[12] == ""
    assert by_name["無所属 五"][2] == "" and by_name["無所属 五"][7] == "2" and by_name["無所属 五"][14] == "発行済み"


def test_learners_and_mentors_may_not_open_the_visibility_pages(hokkaido, make, login_as):
    for role in (Role.LEARNER, Role.MENTOR):
        client = login_as(make.user(role))
        for url in ("/manage/visibility/", "/manage/visibility/coverage", "/manage/visibility/areas.csv",
                    "/manage/visibility/training-records.csv"):
            assert client.get(url).status_code == 403, (role, url)


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_data(hokkaido, make, login_as, app):
    client = login_as(make.user(Role.ORGANIZER))
    with QueryCounter(db.engine) as few:
        assert client.get("/manage/visibility/").status_code == 200
    people, level1, level2 = hokkaido
    mentor = make.user(Role.MENTOR)
    newcomers = [make.user(organization_id=_org("011002").id) for _ in range(3)]
    more_work = make.cohort(make.module_version(exercises=1, criteria=1), learners=newcomers, mentors=[mentor])
    for person in newcomers:
        make.complete_module(more_work, person, mentor, app.config["STORAGE_DIR"])
    with QueryCounter(db.engine) as more:
        assert client.get("/manage/visibility/").status_code == 200
    assert few.count == more.count <= 12


def test_tiles_are_shaded_in_steps_and_named_by_place():
    from app.visibility.tilemap import SHADES, tile_map

    counts = [("hokkaido-sorachi", "空知総合振興局", 0), ("hokkaido-kushiro", "釧路総合振興局", 8),
              ("hokkaido-nemuro", "根室振興局", 2), ("hokkaido-atlantis", "架空振興局", 5)]
    drawn = {tile.code: tile for tile in tile_map(counts).tiles}
    assert set(drawn) == {"hokkaido-sorachi", "hokkaido-kushiro", "hokkaido-nemuro"}  # unknown codes left out
    assert [drawn[c].name for c in ("hokkaido-sorachi", "hokkaido-nemuro")] == ["空知", "根室"]
    assert drawn["hokkaido-sorachi"].fill == SHADES[0][0] and drawn["hokkaido-kushiro"].fill == SHADES[-1][0]
    assert drawn["hokkaido-nemuro"].fill not in (SHADES[0][0], SHADES[-1][0])
    legend = tile_map(counts).steps
    assert legend[0][2:] == (0, 0) and legend[-1][3] == 8
    assert tile_map([]).steps == [(SHADES[0][0], SHADES[0][1], 0, 0)]
