"""Open Badges 2.0 hosted assertions, checked by 1EdTech's own validator (PyPI `openbadges` 1.1.2).

The app is served by gunicorn on 127.0.0.1 (the browser tests' `server` fixture, with BASE_URL set to that
address, so every id in a badge can be fetched from it). A learner completes the fixture module, which issues
the badge. The level badge of a learning path is checked the same way, on a server of its own (`path_server`):
a path shows on pages every learner sees, which the browser tests visit on the shared server. The validator runs in its own Python 3.8 virtualenv (tests/ob2_validator, see its README.md),
offline: contexts from its local copy, everything else from loopback only.

The validator has no check for a revoked hosted assertion (shared/research/openbadges.md §1.8): it reads the
body, never the HTTP status. So the revocation test checks the 410 and `"revoked": true` itself.
"""

import copy
import hashlib
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.badges.revocation import revoke
from app.badges.models import Achievement, AchievementKind, Credential
from app.content.models import Module
from app.core.timeutil import utcnow
from app.extensions import db
from app.paths.services import PathFields, StepSpec, save_path
from app.reviews.models import Decision
from tests.browser.conftest import serve, server, world  # noqa: F401 (fixtures: gunicorn on 127.0.0.1, its data)
from tests.browser.world import MODULE_SLUG, World

VALIDATOR_DIR = Path(__file__).resolve().parent / "ob2_validator"
VALIDATOR_PYTHON = VALIDATOR_DIR / ".venv38" / "bin" / "python"
REPORTS = Path(__file__).resolve().parents[1] / "test-output" / "ob2-validator"  # what the validator printed
OB2_CONTEXT = "https://w3id.org/openbadges/v2"


# -- the validator --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator():
    """run(label, *args) -> the validator's JSON output (run_validator.py), also saved as
    test-output/ob2-validator/LABEL.json. Makes the Python 3.8 virtualenv first when it is missing or out of
    date (setup.sh is quick when it is current); fails, never skips, when Python 3.8 is missing."""
    setup = subprocess.run(["bash", str(VALIDATOR_DIR / "setup.sh")], capture_output=True, text=True, timeout=600)
    if setup.returncode != 0:
        pytest.fail("Could not set up the OB 2.0 validator (tests/ob2_validator/setup.sh). It needs Python 3.8, "
                    "e.g. 'pyenv install 3.8', and PyPI.\n" + setup.stdout + setup.stderr,
                    pytrace=False)

    REPORTS.mkdir(parents=True, exist_ok=True)

    def run(label: str, *args: str, stdin: str | None = None) -> dict:
        done = subprocess.run([str(VALIDATOR_PYTHON), str(VALIDATOR_DIR / "run_validator.py"), *args],
                              input=stdin, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"run_validator.py {' '.join(args)} failed:\n{done.stderr}"
        (REPORTS / f"{label}.json").write_text(done.stdout, encoding="utf-8")
        result = json.loads(done.stdout)
        _assert_offline(result["network"])
        return result

    return run


def _assert_offline(network: list[dict]) -> None:
    blocked = [entry["url"] for entry in network if entry["outcome"].startswith("blocked")]
    assert not blocked, f"the validator tried to leave the machine: {blocked}"


def _errors(result: dict) -> list[dict]:
    return [m for m in result["report"]["messages"] if m["messageLevel"] == "ERROR"]


def _node(result: dict, node_type: str) -> dict:
    nodes = [n for n in result["graph"] if n.get("type") == node_type]
    assert len(nodes) == 1, f"expected one {node_type} in the validator's graph: {result['graph']}"
    return nodes[0]


def _assert_valid(result: dict) -> None:
    report = result["report"]
    assert report["valid"] is True and report["errorCount"] == 0 and not _errors(result), json.dumps(report, indent=2)


# -- a badge issued by the running app ------------------------------------------------------------------

class Badge:
    def __init__(self, credential: Credential, email: str, base_url: str):
        self.uuid, self.email = credential.uuid, email
        self.kind, self.name = credential.achievement.kind, credential.achievement.name_ja
        self.assertion_url = f"{base_url}/badges/ob2/assertions/{credential.uuid}"
        self.badge_class_url = f"{base_url}/badges/ob2/badgeclasses/{credential.achievement_id}"


def _issue(world, kind: AchievementKind = AchievementKind.MODULE) -> Badge:
    """A learner of a fresh cohort has every exercise of the fixture module accepted, which issues the module
    badge (and the level badge of a path whose required step it is). Returns the learner's badge of `kind`."""
    scene = world.scene()
    for slug in ("01-look", "02-plan"):  # 02-plan unlocks once 01-look is accepted
        world.submit(scene, slug, f"{slug} の回答です。")
        world.review(scene, slug, Decision.ACCEPTED, 3, "合格です。")
    with world.app.app_context():
        credential = db.session.scalar(select(Credential).join(Credential.achievement).where(
            Credential.recipient_id == scene.learner.id, Achievement.kind == kind))
        assert credential is not None and credential.issued_at is not None, f"completing the module issued no {kind} badge"
        badge = Badge(credential, scene.learner.email, world.config["BASE_URL"])
        db.session.remove()
    return badge


@pytest.fixture(scope="module")
def badge(world):
    return _issue(world)


@pytest.fixture(scope="module")
def path_server(tmp_path_factory):
    """A server of its own for the level badge: the browser tests share `server` for the whole session and
    visit every page, and a learning path shows on pages every learner sees (paths, home, record)."""
    with serve(tmp_path_factory.mktemp("path-instance")) as running:
        yield running


@pytest.fixture(scope="module")
def level_badge(path_server):
    """The level 2 badge of a path whose one required step is the fixture module, issued to a learner who
    completes the module (paths listen to the module badge being issued)."""
    path_world = World(path_server.config)
    try:
        with path_world.app.app_context():
            module_id = db.session.scalar(select(Module.id).where(Module.slug == MODULE_SLUG))
            fields = PathFields("検証用パス", "Validation path", "説明", "About", talent_level=2,
                                accepts_self_reported=False, revokes_level_badges=False)
            save_path(db.session, None, fields, [StepSpec(module_id, None, is_required=True)], actor=None, now=utcnow())
            db.session.commit()
            db.session.remove()
        yield _issue(path_world, AchievementKind.TALENT_LEVEL)
    finally:
        path_world.close()


@pytest.fixture(params=["module", "level"])
def issued(request):
    """(badge, the server that issued it): the module badge, and the level badge of a learning path."""
    if request.param == "module":
        return request.getfixturevalue("badge"), request.getfixturevalue("server")
    return request.getfixturevalue("level_badge"), request.getfixturevalue("path_server")


def _get(url: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/ld+json, application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def _identity(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


# -- the tests ------------------------------------------------------------------------------------------

def test_hosted_assertion_is_valid(validator, issued):
    badge, server = issued
    result = validator(f"hosted-{badge.kind}", badge.assertion_url)

    _assert_valid(result)
    assert result["input"]["input_type"] == "url"
    assert result["report"]["validationSubject"] == badge.assertion_url
    assert result["report"]["openBadgesVersion"] == "2.0"
    assertion, badge_class, issuer = _node(result, "Assertion"), _node(result, "BadgeClass"), _node(result, "Issuer")
    assert assertion["id"] == badge.assertion_url and assertion["badge"] == badge_class["id"] == badge.badge_class_url
    assert badge_class["name"] == badge.name
    assert badge_class["issuer"] == issuer["id"]
    assert all(node["id"].startswith(server.url + "/badges/ob2/") for node in (assertion, badge_class, issuer))
    # The badge image was fetched from our server and checked (IMAGE_VALIDATION), and the context came from
    # the validator's own copy, not from our app.
    fetched = {entry["url"]: entry for entry in result["network"]}
    assert fetched[badge_class["image"]].get("status") == 200
    assert fetched[badge_class["image"]]["contentType"].startswith("image/svg+xml")
    assert fetched[OB2_CONTEXT]["outcome"].startswith("served from the local copy")
    # The recipient matches the learner's address: VERIFY_RECIPIENT_IDENTIFIER passes.
    assert assertion["recipient"]["identity"] == _identity(badge.email, assertion["recipient"]["salt"])
    _assert_valid(validator(f"hosted-recipient-{badge.kind}", badge.assertion_url, "--recipient-email", badge.email))


def test_baked_png_is_valid(validator, issued, tmp_path):
    badge, _server = issued
    status, content_type, png = _get(badge.assertion_url + "/image.png")
    assert status == 200 and content_type == "image/png"
    path = tmp_path / "badge.png"
    path.write_bytes(png)

    result = validator(f"baked-png-{badge.kind}", "--png", str(path))

    _assert_valid(result)
    # The baked assertion led the validator to the hosted one, which it then validated.
    assert result["report"]["validationSubject"] == badge.assertion_url
    assert _node(result, "Assertion")["id"] == badge.assertion_url
    assert _node(result, "BadgeClass")["id"] == badge.badge_class_url


def test_tampered_copy_is_not_taken_for_the_hosted_one(validator, badge):
    status, _, body = _get(badge.assertion_url)
    assert status == 200
    hosted = json.loads(body)
    tampered = copy.deepcopy(hosted)
    tampered["recipient"]["identity"] = _identity("someone-else@example.jp", hosted["recipient"]["salt"])

    result = validator("tampered", "--json", "-", stdin=json.dumps(tampered))

    # Hosted verification trusts only the copy fetched from the assertion's id: the tampered recipient does not
    # make it into what the validator validated.
    assert result["report"]["validationSubject"] == badge.assertion_url
    validated = _node(result, "Assertion")
    assert validated["recipient"]["identity"] == hosted["recipient"]["identity"] != tampered["recipient"]["identity"]
    # Whoever presents the tampered copy as theirs is not its recipient.
    claimed = validator("tampered-recipient", "--json", "-", "--recipient-email", "someone-else@example.jp",
                        stdin=json.dumps(tampered))
    assert claimed["report"]["valid"] is False
    assert [m["name"] for m in _errors(claimed)] == ["VERIFY_RECIPIENT_IDENTIFIER"], claimed["report"]


def test_revoked_assertion_answers_410(validator, world):
    revoked = _issue(world)
    _assert_valid(validator("before-revocation", revoked.assertion_url))
    organizer_id = world.organizer().id
    with world.app.app_context():
        credential = db.session.scalar(select(Credential).where(Credential.uuid == revoked.uuid))
        organizer = db.session.get(User, organizer_id)
        assert organizer.role == Role.ORGANIZER
        revoke(db.session, credential, reason="誤って発行したため", actor=organizer, now=utcnow())
        db.session.commit()
        db.session.remove()

    status, content_type, body = _get(revoked.assertion_url)

    # Our own check: the validator reads only the body, never the status, and has no check for "revoked".
    assert status == 410
    assert content_type.startswith("application/ld+json")
    document = json.loads(body)
    assert document["revoked"] is True and document["id"] == revoked.assertion_url
    assert document["revocationReason"] == "誤って発行したため"
    assert "recipient" not in document and "badge" not in document
    # The validator still rejects it, but only because the revoked body lacks the properties of an
    # assertion (recipient, badge, verification, issuedOn), which OB 2.0 allows for a revoked one.
    after = validator("after-revocation", revoked.assertion_url)
    assert after["report"]["valid"] is False
    assert {m.get("prop_name") for m in _errors(after) if m["name"] == "VALIDATE_PROPERTY"} == {
        "recipient", "badge", "verification", "issuedOn"}, after["report"]
