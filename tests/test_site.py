"""Site-wide rules: every route declares who may open it; translations are complete; demo data works."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from app.core import authz

ROOT = Path(__file__).resolve().parents[1]


def test_every_route_declares_an_access_rule(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if not hasattr(app.view_functions[rule.endpoint], "access_rule")]
    assert missing == []


def test_anonymous_visitors_are_sent_to_login_except_on_public_pages(app, client):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if view.access_rule == authz.PUBLIC or "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", "1").replace(f"<{name}>", "x")
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, rule.rule


def test_japanese_catalogue_translates_every_message():
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    method_map = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2")]
    extracted = {message for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords,
        options_map={"app/**/templates/**.html": {"extensions": "jinja2.ext.do"}})}
    extracted = {m[0] if isinstance(m, tuple) else m for m in extracted}
    with (ROOT / "app/translations/ja/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy}
    assert sorted(extracted - translated) == []


def test_pages_are_japanese_by_default_and_english_on_request(client, make, login_as):
    from app.auth.models import Role
    client = login_as(make.user(Role.LEARNER))
    ja = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in ja and "わたしの学習" in ja
    client.post("/language", data={"locale": "en"})
    en = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in en and "My learning" in en


def _seed_demo(runner):
    """The demo as ./scripts/run makes it: municipalities, the shipped modules, then `flask demo seed`."""
    from app.auth.services import load_municipalities
    from app.extensions import db
    load_municipalities(db.session)
    db.session.commit()
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    return runner.invoke(args=["demo", "seed"])


def test_demo_data_has_every_role_and_each_state(app, runner):
    from app.completions.models import CompletionRecord
    from app.extensions import db
    from app.submissions.models import Submission
    result = _seed_demo(runner)
    assert result.exit_code == 0 and "learner@example.jp" in result.output and "admin@example.jp" in result.output
    assert db.session.scalar(select(func.count(CompletionRecord.id))) == 1
    statuses = db.session.scalars(select(Submission.status)).all()
    assert {"accepted", "returned", "awaiting_review"} <= set(statuses)
    again = runner.invoke(args=["demo", "seed"])
    assert "no demo data was added" in again.output
    assert db.session.scalar(select(func.count(CompletionRecord.id))) == 1


def test_the_demo_has_a_published_case_and_one_awaiting_the_demo_learners_consent(app, runner):
    from app.auth.models import User
    from app.cases.models import CaseNomination, ConsentState
    from app.demo.services import AWAITING_NOTE, DEMO_PASSWORD, PUBLISHED_NOTE
    from app.extensions import db
    from tests.conftest import login
    assert _seed_demo(runner).exit_code == 0
    published, awaiting = db.session.scalars(select(CaseNomination).order_by(CaseNomination.published_at.is_(None),
                                                                              CaseNomination.id)).all()
    learner = db.session.scalar(select(User).where(User.email == "learner@example.jp"))
    client = login(app.test_client(), learner, DEMO_PASSWORD)

    # The library shows the published case to the demo learner, with its author's name and municipality,
    # the mentor's note and the attached file; the nomination still awaiting consent is not in it.
    library = client.get("/cases/").get_data(as_text=True)
    assert f'href="/cases/{published.id}"' in library and f'href="/cases/{awaiting.id}"' not in library
    assert "石狩 健" in library and "江別市" in library and PUBLISHED_NOTE in library and AWAITING_NOTE not in library
    case = client.get(f"/cases/{published.id}").get_data(as_text=True)
    [attachment] = published.submission_version.attachments
    assert attachment.filename in case
    with client.get(f"/cases/{published.id}/attachments/{attachment.id}") as download:
        assert download.status_code == 200 and download.data.startswith("項目,2015,2024".encode())
    assert published.nominated_by.email == "mentor@example.jp" and published.published_at is not None
    assert [(c.user.email, c.state, c.shows_name) for c in published.consents] == [
        ("completed@example.jp", ConsentState.CONSENTED, True)]

    # The other is the demo learner's own accepted work, nominated by the mentor: they are asked.
    assert [(c.user_id, c.state) for c in awaiting.consents] == [(learner.id, ConsentState.ASKED)]
    assert awaiting.nominated_by.email == "mentor@example.jp" and awaiting.published_at is None
    mine = client.get("/cases/mine").get_data(as_text=True)
    assert "未回答" in mine and f'href="/cases/consent/{awaiting.submission_id}"' in mine
    question = client.get(f"/cases/consent/{awaiting.submission_id}")
    assert question.status_code == 200 and AWAITING_NOTE in question.get_data(as_text=True)
    notifications = client.get("/notifications/").get_data(as_text=True)
    assert f"/cases/consent/{awaiting.submission_id}" in notifications

    # Seeding again adds no case.
    assert "no demo data was added" in runner.invoke(args=["demo", "seed"]).output
    assert db.session.scalar(select(func.count(CaseNomination.id))) == 2


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_japanese_web_font_is_served_by_the_app_itself(client):
    """LGWAN has no internet: every page links the font's stylesheet from our own static files, and every
    subset it names is served here as WOFF2 (a missing file would fall back silently to another font)."""
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/static/fonts/noto-sans-jp/noto-sans-jp.css"' in page
    with client.get("/static/fonts/noto-sans-jp/noto-sans-jp.css") as stylesheet:
        assert stylesheet.status_code == 200
        css = stylesheet.get_data(as_text=True)
    files = re.findall(r"url\(\./([^)]+)\)", css)
    assert len(files) == 124 and "http" not in css
    for name in files:
        with client.get(f"/static/fonts/noto-sans-jp/{name}") as response:
            assert response.status_code == 200 and response.data[:4] == b"wOF2", name
