"""The client's address behind the TLS proxy (issue 18, finding 4): the lock-out and the audit trail use the address
the trusted proxy reports, not the proxy's own; the lock-out cannot be turned against a user."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import AuditEvent
from tests.factories import PASSWORD
from tests.otp import verify_session

PROXY = "127.0.0.1"
ATTACKER = "203.0.113.9"
USER_HOME = "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    settings.MELDCODE_TRUSTED_PROXY_COUNT = 1


def via_proxy(address: str) -> Client:
    """A browser at ``address`` whose requests reach the application through the TLS proxy on 127.0.0.1."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


def login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_wrong_passwords_from_one_address_do_not_lock_the_user_out_elsewhere(behind_proxy, cast_a):
    """The reproduction: five wrong passwords from anywhere locked the real user out everywhere, because every request
    came from the proxy's address."""
    attacker = via_proxy(ATTACKER)
    for _ in range(5):
        response = login(attacker, cast_a.ib.username, "fout")
    assert response.status_code == 429  # the attacker's address is locked for this username
    response = login(via_proxy(USER_HOME), cast_a.ib.username, PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in response.client.session


def test_the_audit_trail_records_the_clients_address(behind_proxy, cast_a):
    client = via_proxy(USER_HOME)
    client.force_login(cast_a.af)
    verify_session(client, cast_a.af)
    client.post(reverse("second-factor-reset", kwargs={"user_id": cast_a.ib.pk}))
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_RESET)
    assert event.ip_address == USER_HOME


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings, cast_a):
    """Directly reachable (no proxy): a client cannot choose its address with a header."""
    settings.MELDCODE_TRUSTED_PROXY_COUNT = 0
    spoofing = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=USER_HOME)
    for _ in range(5):
        login(spoofing, cast_a.ib.username, "fout")
    response = login(Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.44"), cast_a.ib.username, PASSWORD)
    assert response.status_code == 429


def test_a_forwarded_header_with_more_addresses_takes_the_one_the_proxy_added(behind_proxy, cast_a):
    """The client may send its own X-Forwarded-For; the proxy appends the address it saw: only that one counts."""
    from django.test import RequestFactory

    from accounts.client_address import client_address

    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {ATTACKER}")
    assert client_address(request) == ATTACKER


def test_many_addresses_together_are_slowed_down_per_username_but_not_the_users_own_address(
    behind_proxy, settings, cast_a
):
    """A slower limit per username over all addresses: after ``LOGIN_USERNAME_FAILURE_LIMIT`` failures from
    addresses the user never logged in from, such addresses are refused for the username; an address from which the
    user logged in successfully before still works."""
    settings.MELDCODE_LOGIN_USERNAME_FAILURE_LIMIT = 8
    assert login(via_proxy(USER_HOME), cast_a.ib.username, PASSWORD).status_code == 302  # a known address
    for i in range(8):
        for _ in range(2):
            login(via_proxy(f"203.0.113.{i + 10}"), cast_a.ib.username, "fout")  # below the per-address limit
    response = login(via_proxy("203.0.113.99"), cast_a.ib.username, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session
    assert "Te veel mislukte pogingen" in response.content.decode()
    response = login(via_proxy(USER_HOME), cast_a.ib.username, PASSWORD)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        (1, "", PROXY),  # no header: the address that connected
        (1, USER_HOME, USER_HOME),
        (1, f"{ATTACKER}, {USER_HOME}", USER_HOME),  # the client's own entry is ignored
        (2, f"{ATTACKER}, {USER_HOME}, 10.0.0.2", USER_HOME),  # two proxies: the second appended the first's view
        (2, USER_HOME, PROXY),  # fewer entries than proxies: not through them
        (1, "not-an-address", PROXY),
    ],
)
def test_the_address_is_the_one_the_trusted_proxies_saw(settings, count, forwarded, expected):
    from django.test import RequestFactory

    from accounts.client_address import client_address

    settings.MELDCODE_TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": PROXY} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    assert client_address(RequestFactory().get("/", **meta)) == expected
