"""Writes to the register: importing people. Enrolment lives in ``points.services``
because it opens the citizen's ledger."""
import csv
import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from citizens.contacts import CONTACT_FIELDS, contact_value, parse_contact_columns
from citizens.models import Citizen, ContactChange
from citizens.validators import birth_date_from_resident_id, resident_id_problem

CSV_COLUMNS = ["resident_id", "name", "birth_date", "sex", "district"]


@dataclass
class ImportReport:
    """What an import did; ``errors`` holds ``(line number, reason)`` for each skipped row."""

    created: int = 0
    unchanged: int = 0
    updated: int = 0  # people already registered whose contacts the file changed
    errors: list = field(default_factory=list)


def parse_citizen_row(row: dict) -> dict:
    """Validate one CSV row; return model field values or raise ValueError with the reason."""
    missing = [c for c in CSV_COLUMNS if not (row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    values = {c: row[c].strip() for c in CSV_COLUMNS}
    values["resident_id"] = values["resident_id"].upper()
    problem = resident_id_problem(values["resident_id"])
    if problem:
        raise ValueError(f"resident_id {values['resident_id']}: {problem}")
    try:
        values["birth_date"] = datetime.date.fromisoformat(values["birth_date"])
    except ValueError:
        raise ValueError(f"birth_date {values['birth_date']!r} is not a date (YYYY-MM-DD)") from None
    if values["birth_date"] != birth_date_from_resident_id(values["resident_id"]):
        raise ValueError("birth_date does not match the date in the resident ID")
    if values["sex"] not in Citizen.Sex.values:
        raise ValueError(f"sex must be M or F, not {values['sex']!r}")
    if int(values["resident_id"][16]) % 2 != (values["sex"] == "M"):
        raise ValueError("sex does not match the resident ID (17th digit is odd for men)")
    status = (row.get("status") or Citizen.Status.ACTIVE).strip()
    if status not in Citizen.Status.values:
        raise ValueError(f"status must be one of {', '.join(Citizen.Status.values)}")
    values["status"] = status
    values.update(parse_contact_columns(row))
    return values


def citizens_import_csv(*, path, batch_size: int = 2000, progress=None) -> ImportReport:
    """Add the people in a CSV file to the register; bad rows are skipped and reported.

    Re-importing the same file changes nothing: people already registered are
    counted as unchanged (a row that differs from the register is an error).
    """
    report = ImportReport()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            report.errors.append((1, f"header lacks column(s): {', '.join(absent)}"))
            return report
        batch = []
        for row in reader:
            batch.append((reader.line_num, row))
            if len(batch) >= batch_size:
                _import_batch(batch, report, progress, source=str(path))
                batch = []
        _import_batch(batch, report, progress, source=str(path))
    return report


def _import_batch(batch, report: ImportReport, progress, source: str) -> None:
    parsed = {}
    for line, row in batch:
        try:
            values = parse_citizen_row(row)
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        if values["resident_id"] in parsed:
            report.errors.append((line, f"resident_id {values['resident_id']} appears twice in the file"))
            continue
        parsed[values["resident_id"]] = (line, values)
    existing = Citizen.objects.in_bulk(list(parsed), field_name="resident_id")
    new, changed = [], []
    for rid, (line, values) in parsed.items():
        identity = {name: value for name, value in values.items() if name not in CONTACT_FIELDS}
        if rid not in existing:
            new.append(Citizen(**values))
        elif _differs(existing[rid], identity):
            report.errors.append((line, f"resident_id {rid} is registered with different details"))
        elif _contacts_differ(existing[rid], values):
            changed.append((existing[rid], values))
        else:
            report.unchanged += 1
    with transaction.atomic():
        Citizen.objects.bulk_create(new)
        for citizen, values in changed:
            citizen_contacts_update(citizen=citizen, values=values, by=source, source="import")
    report.created += len(new)
    report.updated += len(changed)
    if progress:
        progress(len(batch))


def _differs(citizen: Citizen, values: dict) -> bool:
    return any(getattr(citizen, name) != value for name, value in values.items())


def _contacts_differ(citizen: Citizen, values: dict) -> bool:
    given = Citizen(**{name: value for name, value in values.items() if name in CONTACT_FIELDS})
    return any(contact_value(citizen, name) != contact_value(given, name) for name in CONTACT_FIELDS if name in values)


def citizen_contacts_update(*, citizen: Citizen, values: dict, by: str, source: str, at=None) -> list:
    """Set the contact fields in ``values`` on ``citizen`` and log each change (``ContactChange``)."""
    before = Citizen(**{name: getattr(citizen, name) for name in CONTACT_FIELDS})
    for name in CONTACT_FIELDS:
        if name in values:
            setattr(citizen, name, values[name])
    with transaction.atomic():
        changes = contact_changes_record(before=before, citizen=citizen, by=by, source=source, at=at)
        if changes:
            citizen.save(update_fields=[change.field for change in changes])
    return changes


def contact_changes_record(*, before: Citizen, citizen: Citizen, by: str, source: str, at=None) -> list:
    """Log every contact field that differs between ``before`` and ``citizen`` (the admin saves the
    row itself; the import saves through ``citizen_contacts_update``)."""
    at = at or timezone.now()
    changes = [ContactChange(citizen=citizen, field=field, old_value=contact_value(before, field),
                             new_value=contact_value(citizen, field), changed_at=at, changed_by=by, source=source)
               for field in CONTACT_FIELDS if contact_value(before, field) != contact_value(citizen, field)]
    ContactChange.objects.bulk_create(changes)
    return changes
