"""Signing in in headless Chromium: password and a real TOTP code, and the lockout page after wrong passwords."""
import os
import shutil

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from officials.signin import totp_enrol
from tests.fixtures.admin import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def submit(page, live_server, password, code=None):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "official1")
    page.fill("#id_password", password)
    if code is not None:
        page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


def test_official_signs_in_with_the_code_from_the_authenticator(page, live_server, official, settings):
    settings.OTP_REQUIRED = True
    device = totp_enrol(user=official)
    submit(page, live_server, PASSWORD, "000000" if totp(device.bin_key) != 0 else "111111")
    expect(page.locator(".errornote").last).to_contain_text("wrong or has already been used")
    page.wait_for_timeout(1500)  # django-otp lets the device check another code 1 s after a wrong one
    submit(page, live_server, PASSWORD, f"{totp(device.bin_key):06d}")
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.locator("#user-tools")).to_contain_text("official1")


def test_fifth_wrong_password_shows_the_lockout_page(page, live_server, official):
    for _ in range(4):
        submit(page, live_server, "wrong")
        expect(page.locator("#login-form")).to_be_visible()
    submit(page, live_server, "wrong")
    expect(page.locator("#lockout-message")).to_contain_text("Too many failed sign-ins")
    submit(page, live_server, PASSWORD)
    expect(page.locator("#lockout-message")).to_be_visible()
