"""A password hasher for tests that counts its work, to show when a sign-in hashes nothing."""
from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts how often a password is hashed."""

    algorithm = "counting_md5"
    runs = 0

    def encode(self, password, salt):
        CountingHasher.runs += 1
        return super().encode(password, salt)
