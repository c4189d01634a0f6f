"""Every state-changing route refuses a form without its CSRF token, whoever sends it, and changes nothing.
Generated from the URL map, so a new POST route is covered without a new line here."""

from tests import world as world_module
from tests.test_authorization_matrix import ALLOWED, EXPECTED, LAST, requests_of

# Who sends each form: someone the route serves, so the refusal is CSRF's and not the role's.
SENDERS = ("admin", "organizer", "learner", "mentor", "anonymous")


def test_every_post_route_refuses_a_form_without_its_csrf_token(app_with):
    app = app_with(WTF_CSRF_ENABLED=True)
    world = world_module.build(app)
    posts = [(endpoint, path, next(role for role in SENDERS if EXPECTED[endpoint][role] == ALLOWED))
             for endpoint, method, path in requests_of(app, world) if method == "POST"]
    assert len(posts) >= 20 and posts[-1][0] in LAST
    # Signed in first: signing in may write (a session, the time of the last login).
    clients = {sender: world_module.signed_in_client(app, world.people.get(sender)) for _, _, sender in posts}
    before = world_module.row_counts()
    accepted = []
    for endpoint, path, sender in posts:
        response = clients[sender].post(path, data={"name": "x", "display_name": "x", "locale": "en"})
        if response.status_code != 400 or "フォームの有効期限が切れました" not in response.get_data(as_text=True):
            accepted.append(f"{sender}: POST {path} ({endpoint}) answered {response.status_code}")
    assert accepted == []
    assert world_module.row_counts() == before
