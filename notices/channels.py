"""Delivery channels: email, SMS and letters. ``settings.NOTICES_CHANNELS`` maps each channel to
the class that sends through it (a dotted path), so a deployment can replace one.

A channel's ``send`` delivers one notice to one address and returns normally, or raises
``TransientFailure`` (try again later: a 5xx, a timeout, a refused connection) or
``PermanentFailure`` (trying again cannot help: an address refused, a 4xx). Any other exception
counts as transient. Letters are not sent by a worker: they are printed in batches
(``notices.letters``).
"""
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import to_python


class TransientFailure(Exception):
    """Delivery failed this time; a later attempt may succeed."""


class PermanentFailure(Exception):
    """Delivery cannot succeed by trying again (the notice goes to dead letter)."""


class Channel:
    """Sends notices through one medium. ``open``/``close`` bracket a batch (one connection)."""

    name = ""
    queued = True  # a worker sends it; False for channels handled in batches by officials (letters)

    def address(self, addressee) -> str:
        """The address of ``addressee`` (a citizen, an agency's contact, an official) on this channel, or ''."""
        raise NotImplementedError

    def open(self) -> None:
        """Prepare to send several notices (e.g. one SMTP connection)."""

    def close(self) -> None:
        """End the batch opened by ``open``."""

    def send(self, notice, address: str) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    """Email through Django's framework (``EMAIL_BACKEND``: SMTP, a provider through django-anymail,
    or the console/file backends in development). One connection per batch."""

    name = "email"

    def __init__(self):
        self.connection = None

    def address(self, addressee) -> str:
        return getattr(addressee, "email", "") or ""

    def open(self) -> None:
        self.connection = get_connection()
        try:
            self.connection.open()
        except (smtplib.SMTPException, OSError):
            pass  # not reachable now: each send tries again and fails as a transient failure

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (OSError, smtplib.SMTPException):
                pass  # the connection is gone already; nothing to release
            self.connection = None

    def send(self, notice, address: str) -> None:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">") or "points.invalid"
        # The same Message-ID on every attempt: a receiver can tell a repeated delivery apart.
        message = EmailMessage(subject=notice.subject, body=notice.body, to=[address], connection=self.connection,
                               headers={"Message-ID": f"<notice-{notice.pk}@{domain}>"})
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            self.close()
            self.open()
            raise (PermanentFailure if all(code >= 500 for code in codes) else TransientFailure)(
                _("recipient refused: %(detail)s") % {"detail": exc.recipients}) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            self.open()
            raise (PermanentFailure if exc.smtp_code >= 500 else TransientFailure)(
                _("mail server answered %(code)s %(text)s") % {"code": exc.smtp_code, "text": _text(exc.smtp_error)}
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            self.open()
            raise TransientFailure(_("mail server unreachable: %(error)s") % {"error": exc}) from exc


class SmsChannel(Channel):
    """Text messages through the gateway named by ``settings.NOTICES_SMS_GATEWAY`` (``notices.sms``)."""

    name = "sms"

    def __init__(self):
        self.gateway = import_string(settings.NOTICES_SMS_GATEWAY)()

    def address(self, addressee) -> str:
        # A citizen read by the bulk paths holds the stored text, not a PhoneNumber: parse either.
        mobile = getattr(addressee, "mobile", "")
        number = to_python(mobile, region="CN") if mobile else None
        return number.as_e164 if number is not None and number.is_valid() else ""

    def send(self, notice, address: str) -> None:
        self.gateway.send(to=address, text=f"{notice.subject}\n\n{notice.body}", key=f"notice-{notice.pk}")


class LetterChannel(Channel):
    """Letters by post: printed in batches from the admin (``notices.letters``), never by a worker."""

    name = "letter"
    queued = False

    def address(self, addressee) -> str:
        return getattr(addressee, "postal_address", "") or ""


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def get_channel(name: str) -> Channel:
    return import_string(settings.NOTICES_CHANNELS[name])()


def channel_for(citizen) -> str:
    """The channel a new notice to ``citizen`` takes: the preferred electronic channel if they
    consented and gave its address, else the other electronic one, else a letter, else none."""
    if citizen.contact_consent:
        preferred = citizen.preferred_channel
        if preferred == "email" and citizen.email:
            return "email"
        if preferred == "sms" and citizen.mobile:
            return "sms"
        if preferred != "letter":
            if citizen.email:
                return "email"
            if citizen.mobile:
                return "sms"
    return "letter" if citizen.postal_address else ""
