"""The submission desk's whole path in Chromium on a phone-sized screen: a submitter signs in,
meets the report of a wrong row (no English title), fixes it and submits; a reviewer sees the case before and after,
accepts and releases; the case page shows the new activity once the service has switched to the
new release. axe-core checks each desk page. The service is tests/api/portal/conftest.py's
``desk_service`` (a copy of the real records)."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from .browser import NEEDS_BROWSER, PHONE, axe, shot
from .conftest import CASE

pytestmark = [*NEEDS_BROWSER, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(desk_service):
    """The browser fixtures (conftest.py beside this file) on the submission service."""
    return desk_service.url


def test_the_whole_path_in_a_browser_on_a_phone(desk_service, phone):
    service, pg = desk_service, phone
    title = "第 7 次聯繫會議 <b>工程進度</b>"

    def sign_in(name: str) -> None:
        pg.goto(service.url + "/submissions")
        pg.get_by_label("權杖").fill(service.tokens[name])
        pg.get_by_role("button", name="登入").click()
        pg.wait_for_url(service.url + "/submissions")

    def fits() -> bool:
        return pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    sign_in("submitter")
    assert fits()
    axe(pg)
    pg.get_by_role("link", name="新增提交").click()
    pg.get_by_label("案件", exact=True).fill(CASE)
    pg.locator("#a_type").select_option("liaison-meeting")
    pg.locator("#a_date").fill("2026-11-03")  # a date input lets no impossible date through
    pg.locator("#a_title_zh").fill(title)  # and no English title: the dataset is bilingual
    pg.get_by_role("button", name="送出檢查").click()
    report = pg.get_by_role("alert").inner_text()
    assert "title.en" in report and "新增活動" in report
    assert fits()
    axe(pg)
    shot(pg, "desk-phone-report")
    assert pg.locator("#a_title_zh").input_value() == title  # kept for the fix
    pg.locator("#a_title_en").fill("Seventh liaison meeting")
    pg.get_by_role("button", name="送出檢查").click()
    pg.wait_for_url(re.compile(r".*/submissions/\d+$"))
    sid = pg.url.rsplit("/", 1)[1]
    assert "待審核" in pg.inner_text("main")
    pg.get_by_role("button", name="登出").click()
    pg.wait_for_url(service.url + "/submissions")

    sign_in("reviewer")
    pg.get_by_role("link", name=f"#{sid}").click()
    assert title in unescape(pg.locator("table.diff").first.inner_text())
    assert pg.locator("table.diff ins").count() > 0
    assert fits()
    axe(pg)
    shot(pg, "desk-phone-diff")
    pg.get_by_label("理由").fill("經核對會議紀錄無誤。")
    pg.get_by_role("button", name="接受").click()
    pg.wait_for_url(service.url + f"/submissions/{sid}")
    assert "已接受" in pg.inner_text("main") and "經核對會議紀錄無誤。" in pg.inner_text("main")
    pg.get_by_role("link", name="回到提交清單").click()
    pg.get_by_role("button", name="發布新版").click()
    done = pg.get_by_role("status")
    done.wait_for(timeout=600_000)
    version = re.search(r"第 (\S+) 版", done.inner_text())
    assert version, done.inner_text()
    axe(pg)

    # the case page shows the new activity once the service has switched to the new release
    for _ in range(600):
        if httpx.get(service.url + "/-/health").json().get("release") == version[1]:
            break
        pg.wait_for_timeout(200)
    pg.goto(service.url + f"/cases/{CASE}")
    assert title in pg.inner_text("main") and pg.locator("main b").count() == 0  # the markup is text
    assert fits(), pg.evaluate("""() => [...document.querySelectorAll('main *')]  // what sticks out
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 5)
        .map(e => e.tagName + ' ' + e.textContent.slice(0, 60))""")
