"""Test helpers for the second factor: a logged-in session that has passed it, and the current code of a device."""

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

TEST_DEVICE_NAME = "test"


def verify_session(client: Client, user: User) -> StaticDevice:
    """Mark the client's session as having passed the second factor, with a device made for ``user`` — as
    ``django_otp.login`` does after a correct code."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=TEST_DEVICE_NAME, defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def login_verified(client: Client, user: User) -> Client:
    client.force_login(user)
    verify_session(client, user)
    return client


def next_totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: for the current time step, or the next one when the current step's code was
    used already (a code works only once). Waits for the next step when both are used."""
    device.refresh_from_db()
    while True:
        now = time.time()
        t = int((now - device.t0) // device.step) + device.drift
        if device.last_t < t:
            counter = t
        elif device.last_t < t + device.tolerance:
            counter = device.last_t + 1
        else:
            time.sleep(device.step - (now - device.t0) % device.step + 0.1)
            continue
        return str(hotp(device.bin_key, counter, digits=device.digits)).zfill(device.digits)
