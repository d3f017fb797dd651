"""manage.py print_letters OUT.pdf: the pending letters as one printable PDF (marked delivered)."""
from pathlib import Path

from django.core.management.base import BaseCommand

from notices.letters import letters_print


class Command(BaseCommand):
    help = "Write the notices waiting to go by post to a PDF, one letter a page, and mark them sent."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path)
        parser.add_argument("--limit", type=int, default=1000, help="Letters per batch.")

    def handle(self, *args, out, limit, **options):
        pdf, count = letters_print(by="print_letters", limit=limit)
        out.write_bytes(pdf)
        self.stdout.write(f"{count} letter(s) written to {out}.")
