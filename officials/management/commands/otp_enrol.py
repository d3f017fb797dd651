"""``manage.py otp_enrol USER [--replace]``: issue an official's TOTP authenticator and print its key once."""
from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from officials.signin import totp_enrol


class Command(BaseCommand):
    help = _("Give a staff user a TOTP authenticator for the admin and print its key and otpauth:// URI once.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true",
                            help=_("Replace the user's authenticator (a lost phone); the old one stops working."))

    def handle(self, *args, username, replace, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user %(username)s.") % {"username": username})
        try:
            device = totp_enrol(user=user, replace=replace)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        secret = b32encode(device.bin_key).decode()
        self.stdout.write(_("Authenticator issued for %(username)s. Hand these over in person; they are not shown "
                            "again.") % {"username": username})
        self.stdout.write(_("Key (type into the app):  %(secret)s") % {"secret": secret})
        self.stdout.write(_("URI (as a QR code: qrencode -t ansiutf8 'URI'):  %(uri)s") % {"uri": device.config_url})
