"""What people read on a badge: its picture's title wrapped between words, the list of what it certifies,
the certificate's print button, way back and Japanese-era date, and the sign-in link on /verify."""

from datetime import datetime, timezone

import pytest

from app.auth.models import Role
from app.badges.achievements import ensure_module_achievement
from app.badges.images import badge_svg, wrap_title
from app.core.templating import wareki
from app.extensions import db


@pytest.mark.parametrize("title, lines", [
    ("空知の農業DX 修了", ["空知の農業DX 修了"]),
    ("釧路の水産業のデータ活用 修了", ["釧路の水産業の", "データ活用 修了"]),
    # A phrase wider than a line is cut where the script changes, not inside 来訪者.
    ("北海道観光DX：来訪者データで考える 修了", ["北海道観光DX：", "来訪者データで", "考える 修了"]),
    ("観光DX：データで考える観光地域づくり（北海道・オンライン） 修了", ["観光DX：データで", "考える", "観光地域づく…"]),
])
def test_japanese_titles_break_between_phrases(title, lines):
    assert wrap_title(title, 9) == lines


def test_english_titles_break_between_words():
    assert wrap_title("Completed: Kushiro fisheries: data for the catch", 11) == [
        "Completed: Kushiro", "fisheries: data for", "the catch"]
    assert wrap_title("Supercalifragilisticexpialidocious", 11) == ["Supercalifragilisti", "cexpialidocious"]


def test_the_badge_picture_names_the_module_never_its_slug():
    svg = badge_svg(title="空知の農業DX 修了", subtitle="Hokkaido DX", level=1, seed="s")
    assert ">空知の農業DX 修了</text>" in svg and "修</text>" not in svg


@pytest.mark.parametrize("moment, label", [
    (datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc), "令和8年11月30日"),
    (datetime(2019, 4, 30, 14, 59, tzinfo=timezone.utc), "平成31年4月30日"),
    (datetime(2019, 4, 30, 15, 0, tzinfo=timezone.utc), "令和元年5月1日"),  # midnight in Tokyo
    (None, ""),
])
def test_the_japanese_era_date_is_the_day_in_japan(app, moment, label):
    with app.test_request_context():
        assert wareki(moment) == label


def test_the_public_page_lists_what_the_badge_certifies(client, completed):
    credential = completed[4]
    version = completed[3].module_version
    version.objectives = [{"ja": "現状を数字で説明できる", "en": "Explain the current state with figures"},
                          {"ja": "改善案を提案できる", "en": "Propose an improvement"}]
    ensure_module_achievement(db.session, credential.issuer, version)
    db.session.commit()
    page = client.get(f"/c/{credential.uuid}").get_data(as_text=True)
    assert '<ul class="certified"><li>現状を数字で説明できる</li><li>改善案を提案できる</li></ul>' in page
    assert "；" not in page


def test_the_certificate_offers_printing_a_way_back_and_the_era_date(client, completed):
    credential = completed[4]
    page = client.get(f"/c/{credential.uuid}/certificate").get_data(as_text=True)
    assert "data-print hidden>印刷する</button>" in page
    assert f'href="/c/{credential.uuid}">← バッジのページに戻る</a>' in page
    assert f"（{wareki(credential.issued_at)}）" in page and "令和" in page
    client.post("/language", data={"locale": "en"})
    english = client.get(f"/c/{credential.uuid}/certificate").get_data(as_text=True)
    assert ">Print</button>" in english and "令和" not in english


def test_verify_offers_sign_in_to_visitors_only(client, make, login_as):
    assert 'href="/login">ログイン</a>' in client.get("/verify").get_data(as_text=True)
    signed_in = login_as(make.user(Role.LEARNER))
    assert 'href="/login"' not in signed_in.get("/verify").get_data(as_text=True)
