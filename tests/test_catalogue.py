"""The course catalogue (issue 15): Japanese search inside compounds on both engines, filters with counts,
the CSV import with its preview and its refusals, learners' marks of courses done, the starter catalogue."""

import io

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.catalogue import queries, services
from app.catalogue.models import CatalogueCourse, CourseDone
from app.extensions import db
from tests.test_query_budgets import QueryCounter
from tests.world import csrf_token

HEADER = "title,provider,url,language,hours,level,topics,dss_role,free,description,last_checked_on\n"
ROWS = [
    "オープンデータ活用講座,北海道,https://example.jp/opendata,ja,2,1,オープンデータ;統計,data_scientist,yes,自治体のデータを公開する,2026-11-01",
    "農業DX入門,空知の会,https://example.jp/agri,ja,1.5,1,農業;データ,business_architect,yes,スマート農業の事例,2026-10-01",
    "Security basics,Example Org,https://example.org/sec,en,,2,セキュリティ,cybersecurity,no,Phishing and passwords,2026-09-01",
    "データ可視化の基本,札幌の会,https://example.jp/viz,ja,3,0,データ;可視化,literacy,yes,グラフの作り方,2026-08-01",
]


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture
def catalogue(app, make):
    organizer = make.user(Role.ORGANIZER)
    services.apply_import(db.session, services.plan_import(db.session, _csv(*ROWS)), organizer)
    db.session.commit()
    return organizer


def _titles(found) -> list[str]:
    return [c.title for c in found.courses]


def test_a_word_is_found_inside_a_longer_compound_and_title_hits_come_first(catalogue, make):
    reader = make.user()
    found = queries.search(db.session, queries.Filters(words="データ"), user_id=reader.id)
    # 「データ」 inside 「オープンデータ活用講座」 and 「データ可視化の基本」 (titles), and in a topic of 農業DX入門.
    assert set(_titles(found)) == {"オープンデータ活用講座", "データ可視化の基本", "農業DX入門"}
    assert _titles(found)[-1] == "農業DX入門"  # found in its topics only
    # Two-character words (shorter than a trigram) are found too, and every word must match.
    assert _titles(queries.search(db.session, queries.Filters(words="農業"), user_id=reader.id)) == ["農業DX入門"]
    assert _titles(queries.search(db.session, queries.Filters(words="データ　統計"), user_id=reader.id)) == [
        "オープンデータ活用講座"]
    # Full-width and half-width letters alike, case folded.
    assert _titles(queries.search(db.session, queries.Filters(words="ＳＥＣＵＲＩＴＹ"), user_id=reader.id)) == [
        "Security basics"]
    assert queries.search(db.session, queries.Filters(words="存在しない語"), user_id=reader.id).total == 0


@pytest.mark.parametrize("words", ['"', "データ\"OR\"", "%", "_", "a*", "NEAR(", "\\"])
def test_search_words_are_text_never_query_syntax(catalogue, make, words):
    found = queries.search(db.session, queries.Filters(words=words), user_id=make.user().id)
    assert found.total == 0


def test_filters_narrow_and_each_choice_is_counted_within_the_others(catalogue, make):
    reader = make.user()
    found = queries.search(db.session, queries.Filters(words="データ", level=1), user_id=reader.id)
    assert set(_titles(found)) == {"オープンデータ活用講座", "農業DX入門"}
    assert {c.value: c.count for c in found.levels} == {0: 1, 1: 2}  # counted without the level filter
    assert {c.value: c.count for c in found.topics}["データ"] == 1
    by_topic = queries.search(db.session, queries.Filters(topic="データ"), user_id=reader.id)
    assert set(_titles(by_topic)) == {"農業DX入門", "データ可視化の基本"}
    paid = queries.search(db.session, queries.Filters(free_only=True, language="en"), user_id=reader.id)
    assert paid.total == 0


def test_the_page_searches_in_a_fixed_number_of_queries(catalogue, make, login_as):
    client = login_as(make.user())
    with QueryCounter(db.engine) as few:
        page = client.get("/catalogue/?q=データ&level=1").get_data(as_text=True)
    assert "オープンデータ活用講座" in page and 'rel="noopener noreferrer"' in page
    more = [f"追加のデータ講座{n},提供者,https://example.jp/more{n},ja,1,1,データ,,yes,,2026-11-01" for n in range(30)]
    services.apply_import(db.session, services.plan_import(db.session, _csv(*more)), catalogue)
    db.session.commit()
    with QueryCounter(db.engine) as many:
        assert client.get("/catalogue/?q=データ&level=1").status_code == 200
    assert few.count == many.count <= 12


def test_a_learner_marks_a_course_done_with_a_note_and_undoes_it(catalogue, make, login_as):
    learner = make.user()
    client = login_as(learner)
    course = db.session.scalar(select(CatalogueCourse).where(CatalogueCourse.title == "農業DX入門"))
    token = csrf_token(client.get("/catalogue/").get_data(as_text=True))
    response = client.post(f"/catalogue/{course.id}/done", data={"csrf_token": token, "note": "ドローンの事例が参考になった",
                                                                 "next": "/catalogue/?q=農業"})
    assert response.status_code == 302 and response.headers["Location"] == "/catalogue/?q=%E8%BE%B2%E6%A5%AD"
    page = client.get("/catalogue/?done=1").get_data(as_text=True)
    assert "受講済み（自己申告）" in page and "ドローンの事例が参考になった" in page and "農業DX入門" in page
    other = login_as(make.user())
    assert "ドローンの事例" not in other.get("/catalogue/").get_data(as_text=True)  # a mark is the learner's own
    client.post(f"/catalogue/{course.id}/undone", data={"csrf_token": token, "next": "//evil.example/"})
    assert db.session.scalar(select(func.count()).select_from(CourseDone)) == 0


def test_a_note_that_is_too_long_is_refused_with_the_limit(catalogue, make, login_as):
    client = login_as(make.user())
    course = db.session.scalar(select(CatalogueCourse).limit(1))
    token = csrf_token(client.get("/catalogue/").get_data(as_text=True))
    client.post(f"/catalogue/{course.id}/done", data={"csrf_token": token, "note": "長" * 2001})
    assert "メモが長すぎます。上限は2000文字です。" in client.get("/catalogue/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourseDone)) == 0


def _upload(client, data: bytes, name: str = "courses.csv"):
    token = csrf_token(client.get("/manage/catalogue/").get_data(as_text=True))
    return client.post("/manage/catalogue/", data={"csrf_token": token, "courses": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_import_previews_every_row_then_writes_all_of_them_and_repeating_adds_nothing(app, make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    data = ("\ufeff" + HEADER + "\n".join(ROWS[:2]) + "\n").encode("utf-8")
    preview = _upload(client, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2件の講座を追加" in page and db.session.scalar(
        select(func.count()).select_from(CatalogueCourse)) == 0
    confirm = {"csrf_token": csrf_token(page), "content": _field(page, "content"), "token": _field(page, "token")}
    assert client.post("/manage/catalogue/confirm", data=confirm).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CatalogueCourse)) == 2
    again = _upload(client, data).get_data(as_text=True)
    assert "2件はそのまま" in again or "変更なし" in again
    # Excel's Shift_JIS works too, and a changed row is an update of the course with the same URL.
    changed = (HEADER + ROWS[0].replace("オープンデータ活用講座", "オープンデータ活用講座（改訂）") + "\n").encode("cp932")
    assert "1件の講座を更新" in _upload(client, changed).get_data(as_text=True)


def _field(page: str, name: str) -> str:
    import re
    found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""


@pytest.mark.parametrize("row, message, value", [
    (",北海道,https://example.jp/a,ja,,1,,,yes,,2026-11-01", "講座名がありません。", ""),
    ("講座,北海道,javascript:alert(1),ja,,1,,,yes,,2026-11-01", "URLはhttp://またはhttps://で始まるウェブのアドレスにしてください。", "javascript:alert(1)"),
    ("講座,北海道,https://example.jp/a,ja,,5,,,yes,,2026-11-01", "レベルは0、1、2、3のいずれかにしてください。", "5"),
    ("講座,北海道,https://example.jp/a,ja,,1,,analyst,yes,,2026-11-01", "DSSロールが分かりません", "analyst"),
    ("講座,北海道,https://example.jp/a,ja,-2,1,,,yes,,2026-11-01", "時間は0より大きい数", "-2"),
    ("講座,北海道,https://example.jp/a,ja,,1,,,yes,,2026/13/01", "最終確認日は2026-11-30のような日付にしてください。", "2026/13/01"),
    ("講座,北海道,https://example.jp/a,fr,,1,,,yes,,2026-11-01", "言語はjaかenにしてください。", "fr"),
])
def test_wrong_rows_are_refused_with_the_value_and_nothing_is_written(app, make, login_as, row, message, value):
    client = login_as(make.user(Role.ORGANIZER))
    response = _upload(client, _csv(ROWS[0], row))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and "3行目" in page
    if value:
        assert f"（ファイルの値：「{value}」）" in page
    assert "content" not in page.split("error-summary")[0] or "Import" not in page
    assert db.session.scalar(select(func.count()).select_from(CatalogueCourse)) == 0


@pytest.mark.parametrize("data, message", [
    (b"", "ファイルは1行目に列名を書いてください。足りない列："),
    (HEADER.encode(), "見出しはありますが、講座が1件もありません。"),
    (b"\x00\x01\x02binary", "テキスト形式のCSVファイルではありません。"),
    (b"title,url\n", "足りない列：provider, level, last_checked_on"),
])
def test_unreadable_files_are_refused_with_a_message(app, make, login_as, data, message):
    response = _upload(login_as(make.user(Role.ORGANIZER)), data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_file_too_large_is_refused(app, make, login_as, monkeypatch):
    # A smaller limit for the test: the test client leaves a body over 500 KB in an unclosed temporary file.
    monkeypatch.setattr(services, "MAX_BYTES", 2000)
    big = _csv(*[f"講座{n},提供者,https://example.jp/{n},ja,,1,,,yes,{'説明' * 30},2026-11-01" for n in range(20)])
    assert len(big) > services.MAX_BYTES
    response = _upload(login_as(make.user(Role.ORGANIZER)), big)
    assert response.status_code == 422 and "1MBを超えています" in response.get_data(as_text=True)


def test_a_confirmation_with_another_file_imports_nothing(app, make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    page = _upload(client, _csv(ROWS[0])).get_data(as_text=True)
    from app.core import previews
    forged = {"csrf_token": csrf_token(page), "content": previews.pack(_csv(ROWS[1])), "token": _field(page, "token")}
    response = client.post("/manage/catalogue/confirm", data=forged)
    assert response.status_code == 409 and "確認したファイルと内容が違う" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CatalogueCourse)) == 0


def test_an_organizer_removes_a_course_after_confirming(catalogue, make, login_as):
    client = login_as(catalogue)
    course_id = db.session.scalar(select(CatalogueCourse.id).where(CatalogueCourse.title == "農業DX入門"))
    page = client.get(f"/manage/catalogue/{course_id}/delete").get_data(as_text=True)
    assert "「農業DX入門」をカタログから削除しますか？" in page
    # Without the confirmation page's button nothing is removed.
    assert client.post(f"/manage/catalogue/{course_id}/delete", data={"csrf_token": csrf_token(page)}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(CatalogueCourse).where(CatalogueCourse.id == course_id)) == 1
    client.post(f"/manage/catalogue/{course_id}/delete", data={"csrf_token": csrf_token(page), "confirm": "yes"})
    assert db.session.scalar(select(func.count()).select_from(CatalogueCourse).where(CatalogueCourse.id == course_id)) == 0
    # The search index follows (SQLite's FTS table is kept by triggers).
    assert _titles(queries.search(db.session, queries.Filters(words="農業"), user_id=catalogue.id)) == []


def test_learners_may_not_manage_the_catalogue(catalogue, make, login_as):
    client = login_as(make.user())
    assert client.get("/manage/catalogue/").status_code == 403


def test_the_starter_catalogue_loads_once(app):
    assert services.load_starter(db.session) >= 4
    db.session.commit()
    assert services.load_starter(db.session) == 0
    urls = set(db.session.scalars(select(CatalogueCourse.url)))
    assert "https://manabi-dx.ipa.go.jp/" in urls
