from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import DEMO_DEVICE_NAME


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of a demo user (ib-a, af-a, ib-b, af-b, combi, beheerder). "
        "Only for the demo devices that load_demo makes, and only with DEBUG on."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code works only in development (DEBUG=true).")
        device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no demo device (only the demo users that load_demo sets up have one).")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
