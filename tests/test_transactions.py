"""One owner of each request's transaction: commit after success, roll back on any error (the error
pages too), and work that waits for the commit runs only after it."""

import pytest
from sqlalchemy import func, select, text

from app.auth.models import Organization
from app.core import authz
from app.core.transaction import after_commit, commit, keep_despite_refusal
from app.extensions import db


@pytest.fixture
def served(app_with):
    """An app that shows its 500 page instead of raising into the test, with routes added by the test."""
    app = app_with(PROPAGATE_EXCEPTIONS=False)

    def route(path, view):
        view.__name__ = path.strip("/").replace("-", "_")
        app.add_url_rule(path, view_func=authz.public(view), methods=["GET", "POST"])
        return app.test_client()

    return route


def _organization(name: str) -> Organization:
    organization = Organization(name_ja=name, name_en=name, kind="municipality")
    db.session.add(organization)
    db.session.flush()
    return organization


def _organizations() -> int:
    return db.session.scalar(select(func.count(Organization.id)))


def test_a_view_that_succeeds_is_committed_without_committing_itself(served):
    client = served("/add", lambda: (_organization("札幌市"), "ok")[1])
    assert client.post("/add").status_code == 200
    assert _organizations() == 1


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_an_error_response_changes_nothing(served, status):
    client = served("/refuse", lambda: (_organization("札幌市"), ("refused", status))[1])
    assert client.post("/refuse").status_code == status
    assert _organizations() == 0


def test_a_refusal_whose_view_keeps_what_it_stored_is_committed_but_a_server_error_is_not(served):
    def refuse_but_keep():
        db.session.rollback()  # what the view refused
        _organization("札幌市")  # what it keeps all the same
        keep_despite_refusal()
        return "refused", 422

    def fails():
        _organization("小樽市")
        keep_despite_refusal()
        raise RuntimeError("boom")

    served("/keep", refuse_but_keep)
    client = served("/fails", fails)
    assert client.post("/keep").status_code == 422
    assert _organizations() == 1
    assert client.post("/fails").status_code == 500
    assert _organizations() == 1


def test_an_exception_after_a_write_rolls_it_back_and_says_so_plainly(served):
    def fails():
        _organization("札幌市")
        raise RuntimeError("boom")

    response = served("/fails", fails).post("/fails")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "送信した内容は保存されていない可能性があります" in page
    assert "失われていません" not in page
    assert _organizations() == 0


def test_the_error_page_still_works_after_a_failed_statement(served, make, login_as):
    user = make.user()

    def broken_sql():
        db.session.execute(text("SELECT * FROM no_such_table"))

    client = served("/broken", broken_sql)
    client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    response = client.get("/broken")
    # The page names the signed-in user: it read the database after the failed statement.
    assert response.status_code == 500 and user.display_name in response.get_data(as_text=True)


def test_a_commit_that_fails_is_an_error_not_a_success(served):
    def duplicate():
        for _ in range(2):
            db.session.add(Organization(code="X1", name_ja="同じ", name_en="Same", kind="municipality"))
        return "saved"

    response = served("/duplicate", duplicate).post("/duplicate")
    assert response.status_code == 500 and "saved" not in response.get_data(as_text=True)
    assert _organizations() == 0


def test_work_waiting_for_the_commit_runs_after_it_and_never_after_a_rollback(served):
    ran: list[int] = []

    def view(status):
        def register():
            organization = _organization(f"町{status}")
            # Counted in a separate session: proof that the row was already committed when this ran.
            after_commit(db.session, lambda: ran.append(_committed_count(organization.id)))
            return "done", status
        return register

    client = served("/ok", view(200))
    served("/refused", view(422))
    client.post("/refused")
    assert ran == []
    client.post("/ok")
    assert ran == [1]


def _committed_count(organization_id: int) -> int:
    with db.engine.connect() as other:
        return other.scalar(select(func.count(Organization.id)).where(Organization.id == organization_id))


def test_commit_runs_waiting_work_in_order_and_rollback_forgets_it(app):
    ran: list[str] = []
    after_commit(db.session, lambda: ran.append("first"))
    after_commit(db.session, lambda: ran.append("second"))
    commit(db.session)
    after_commit(db.session, lambda: ran.append("never"))
    db.session.rollback()
    commit(db.session)
    assert ran == ["first", "second"]


def test_work_that_rolls_back_its_own_failure_does_not_drop_the_work_after_it(app):
    """A job run inline after the commit (signing that fails and rolls back) must not take the committed
    transaction's other waiting work (its mails) with it; work a job registers waits for its own commit."""
    ran: list[str] = []

    def failing_job():
        ran.append("failed job")
        after_commit(db.session, lambda: ran.append("never: its transaction was rolled back"))
        db.session.rollback()

    after_commit(db.session, failing_job)
    after_commit(db.session, lambda: ran.append("mail"))
    commit(db.session)
    assert ran == ["failed job", "mail"]
