import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from tests import factories as f

pytestmark = pytest.mark.browser


def test_a_staff_member_logs_in_with_the_form_and_lands_on_today(
    live_server, page, axe_check, transactional_db
):
    f.make_user(Role.FRONT_DESK, username="desk")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    axe_check("login page")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    axe_check("dashboard")
