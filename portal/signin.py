"""Citizens sign in with their resident ID and a one-time code: sent to their registered email or
mobile through the notice channels (``notices.channels``), or printed on an activation letter.

Why not django-axes: axes counts failed *password* logins of ``User`` accounts per username and
address (``AXES_LOCKOUT_PARAMETERS``), so that nobody can lock an official out from elsewhere.
Against a six-digit code that is the wrong shape: a guesser who changes address gets a fresh
allowance each time. Here every code dies after ``PORTAL_CODE_MAX_TRIES`` wrong tries, and wrong
codes lock the *resident ID* from every address (``PORTAL_FAILURE_LIMIT`` in
``PORTAL_LOCKOUT_MINUTES``) and an address for every ID (``PORTAL_ADDRESS_FAILURE_LIMIT``): the
guesses at one person's codes are bounded whatever the number of addresses. The counts are rows
in the database (``SignInAttempt``), shared by every server process and kept when Redis is down.

How many codes a person may ask for is a cost and nuisance limit (text messages cost money), not
a secret: it lives in the cache, counted per typed resident ID whether registered or not, so the
answer never tells whether an ID is registered.
"""
import datetime
import hashlib
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from citizens.models import Citizen
from citizens.validators import resident_id_problem
from core.exceptions import ApplicationError, ValidationFailed
from notices.channels import PermanentFailure, TransientFailure, get_channel
from portal.models import SignInAttempt, SignInCode

LETTER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read from paper and typed
LETTER_CODE_LENGTH = 12


class SignInRefused(ApplicationError):
    code = "sign_in_refused"
    http_status = 400


class SignInLocked(ApplicationError):
    code = "locked_out"
    http_status = 429


class CodeRequestsExceeded(ApplicationError):
    code = "too_many_codes"
    http_status = 429


class CodeNotSent(ApplicationError):
    code = "code_not_sent"
    http_status = 503


@dataclass(frozen=True)
class _Message:
    """What a channel's ``send`` reads of a notice: never stored, so the code is in no table."""

    pk: str
    subject: str
    body: str


def normalise_resident_id(text) -> str:
    return "".join(str(text or "").split()).upper()


def normalise_code(text) -> str:
    return "".join(ch for ch in str(text or "").upper() if ch.isalnum())


def _hash(salt: str, code: str) -> str:
    return salted_hmac("portal.signin", f"{salt}:{code}", algorithm="sha256").hexdigest()


def _new_code(citizen, channel: str, code: str, now, lifetime: datetime.timedelta, by: str = "") -> SignInCode:
    salt = secrets.token_hex(16)
    return SignInCode(citizen=citizen, channel=channel, salt=salt, code_hash=_hash(salt, code), created_at=now,
                      expires_at=now + lifetime, issued_by=by)


def check_resident_id(resident_id: str) -> str:
    """The typed resident ID, normalised; a clear refusal when it cannot be one (a typing mistake)."""
    value = normalise_resident_id(resident_id)
    if resident_id_problem(value):
        raise ValidationFailed(_("A resident ID has 18 characters: 17 digits and a last digit or X. Please check it."),
                               field_errors={"resident_id": ["invalid"]})
    return value


def code_channel(citizen: Citizen) -> str:
    """Where a sign-in code goes: the preferred electronic channel, else email, else the mobile; '' for none."""
    addresses = {"email": get_channel("email").address(citizen), "sms": get_channel("sms").address(citizen)}
    if addresses.get(citizen.preferred_channel):
        return citizen.preferred_channel
    return next((name for name in ("email", "sms") if addresses[name]), "")


def code_request(*, resident_id: str, now=None) -> SignInCode | None:
    """Send a sign-in code to the registered citizen ``resident_id``; None when there is nobody to send
    it to (unknown ID, or no email or mobile). The caller says the same thing either way."""
    now = now or timezone.now()
    resident_id = check_resident_id(resident_id)
    _count_request(resident_id)
    citizen = Citizen.objects.filter(resident_id=resident_id).first()
    channel_name = code_channel(citizen) if citizen is not None else ""
    if not channel_name:
        return None
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = _new_code(citizen, channel_name, code, now, datetime.timedelta(seconds=settings.PORTAL_CODE_SECONDS))
    channel = get_channel(channel_name)
    minutes = max(1, settings.PORTAL_CODE_SECONDS // 60)
    message = _Message(pk=f"signin-{secrets.token_hex(8)}", subject=_("Your sign-in code: %(code)s") % {"code": code},
                       body=_("Your code to sign in to the points register is %(code)s. It works once, for "
                              "%(minutes)d minutes. Nobody from the office will ever ask you for it.")
                       % {"code": code, "minutes": minutes})
    try:
        channel.open()
        channel.send(message, channel.address(citizen))
    except (TransientFailure, PermanentFailure, OSError) as exc:
        raise CodeNotSent(_("The code could not be sent just now. Please try again in a minute.")) from exc
    finally:
        channel.close()
    row.save()  # only a code that left is kept: nothing half-written when the channel fails
    return row


def _count_request(resident_id: str) -> None:
    key = "portal:code-requests:" + hashlib.sha256(resident_id.encode()).hexdigest()
    window = settings.PORTAL_LOCKOUT_MINUTES * 60
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > settings.PORTAL_CODE_REQUESTS:
        raise CodeRequestsExceeded(
            _("Too many codes asked for this resident ID. Please wait %(minutes)d minutes and ask again.")
            % {"minutes": settings.PORTAL_LOCKOUT_MINUTES})


def letter_code_issue(*, citizen: Citizen, by: str, now=None) -> str:
    """A new activation code for a printed letter (for people without email or mobile); returns it once."""
    now = now or timezone.now()
    code = "".join(secrets.choice(LETTER_ALPHABET) for _ in range(LETTER_CODE_LENGTH))
    _new_code(citizen, SignInCode.Channel.LETTER, code, now,
              datetime.timedelta(days=settings.PORTAL_LETTER_CODE_DAYS), by=by).save()
    return "-".join(code[i:i + 4] for i in range(0, LETTER_CODE_LENGTH, 4))


def code_verify(*, resident_id: str, code: str, source_address: str | None, now=None) -> Citizen:
    """The citizen whose live code this is; the code is used up. Refuses (``SignInRefused``) a wrong,
    expired or used code, and (``SignInLocked``) while the resident ID or the address is locked."""
    now = now or timezone.now()
    resident_id, code = check_resident_id(resident_id), normalise_code(code)
    citizen = Citizen.objects.filter(resident_id=resident_id).first()
    _check_not_locked(citizen, source_address, now)
    try:
        _use_code(citizen, code, now)  # its writes stand alone: a refused try must still count
    except SignInRefused:
        SignInAttempt.objects.create(citizen=citizen, source_address=source_address, at=now, succeeded=False)
        raise
    SignInAttempt.objects.create(citizen=citizen, source_address=source_address, at=now, succeeded=True)
    return citizen


def _use_code(citizen, code: str, now) -> None:
    wrong = SignInRefused(_("That code is not right. Check it and try again, or ask for a new code."),
                          extra={"reason": "wrong_code"})
    if citizen is None or not code:
        raise wrong
    horizon = now - datetime.timedelta(days=settings.PORTAL_LETTER_CODE_DAYS)
    rows = list(SignInCode.objects.filter(citizen=citizen, created_at__gte=horizon))
    match = next((row for row in rows if constant_time_compare(row.code_hash, _hash(row.salt, code))), None)
    live = [row.pk for row in rows if _refusal(row, now) is None]
    if match is None:
        # A wrong guess costs a try of every live code: no code can be guessed at more than MAX_TRIES times.
        SignInCode.objects.filter(pk__in=live).update(failed_tries=F("failed_tries") + 1)
        raise wrong
    refusal = _refusal(match, now)
    if refusal is None and not SignInCode.objects.filter(pk=match.pk, used_at__isnull=True).update(used_at=now):
        refusal = "used"  # another request used it a moment ago
    if refusal is not None:
        raise SignInRefused(_refusal_messages()[refusal], extra={"reason": f"{refusal}_code"})


def _refusal(row: SignInCode, now) -> str | None:
    if row.used_at is not None:
        return "used"
    if row.expires_at <= now:
        return "expired"
    if row.failed_tries >= settings.PORTAL_CODE_MAX_TRIES:
        return "spent"
    return None


def _refusal_messages() -> dict:
    return {
        "used": _("That code was already used: each code works once. Please ask for a new code."),
        "expired": _("That code has expired (a code works for %(minutes)d minutes). Please ask for a new code.")
        % {"minutes": max(1, settings.PORTAL_CODE_SECONDS // 60)},
        "spent": _("That code was tried wrongly too often and no longer works. Please ask for a new code."),
    }


def _check_not_locked(citizen, source_address, now) -> None:
    window = datetime.timedelta(minutes=settings.PORTAL_LOCKOUT_MINUTES)
    ends = []
    if citizen is not None:
        ends.append(_locked_until(SignInAttempt.objects.filter(citizen=citizen), settings.PORTAL_FAILURE_LIMIT,
                                  now, window))
    if source_address:
        ends.append(_locked_until(SignInAttempt.objects.filter(source_address=source_address),
                                  settings.PORTAL_ADDRESS_FAILURE_LIMIT, now, window))
    until = max((end for end in ends if end is not None), default=None)
    if until is not None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        raise SignInLocked(_("Too many wrong codes. Signing in is locked for %(minutes)d minute(s); please wait "
                             "and then ask for a new code.") % {"minutes": minutes},
                           extra={"retry_after": math.ceil((until - now).total_seconds())})


def _locked_until(attempts, limit: int, now, window) -> datetime.datetime | None:
    """When the lock on these attempts ends: ``limit`` failures since the last success and within the
    window, the lock lasting the window after the last of them; None when not locked."""
    last_success = attempts.filter(succeeded=True).aggregate(at=Max("at"))["at"]
    failures = attempts.filter(succeeded=False, at__gt=now - window)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) < limit:
        return None
    return times[0] + window
