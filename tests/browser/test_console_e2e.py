"""The operator console in a real browser on a 360 px phone: log in, register an actor,
see it in the list, the form's rejection in Chinese, no console errors, nothing wider than
the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.core.entries import parse_entry
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support.fixed import ORIGIN, fixed_key
from web import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture
def console_ledger(tmp_path: Path) -> Iterator[Ledger]:
    engine = make_engine(f"sqlite:///{tmp_path / 'console.sqlite3'}")
    ledger = Ledger.create(engine, fixed_key("operator"), ORIGIN, checkpoint_interval=0)
    ledger.accounts().add("operator-1", PASSWORD)
    yield ledger
    engine.dispose()


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= 360)


def test_log_in_on_a_phone_and_register_an_actor(
    browser: Any, live_server: Any, console_errors: Any, console_ledger: Ledger
) -> None:
    # Served over plain HTTP, as the demo is: the cookie cannot be Secure here.
    app = create_app(
        {"LEDGER": console_ledger, "SECRET_KEY": "browser test", "LEDGER_COOKIE_SECURE": False}
    )
    base = live_server(app)
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN"},
    )
    page = context.new_page()
    errors = console_errors(page)

    page.goto(base + "/console/actors/new")
    assert page.url.startswith(base + "/console/login")  # no session: the login page
    assert page.inner_text("h1") == "登录"
    assert fits_the_screen(page)
    page.fill("#name", "operator-1")
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#log-size")
    assert page.inner_text("#log-size") == str(console_ledger.size())

    page.click("nav a[href='/console/actors/new']")
    page.wait_for_selector("#gln")
    assert fits_the_screen(page)
    page.fill("#actor", "harbin-rice-mill")
    page.fill("#name_zh", "哈尔滨稻米加工有限公司")
    page.check("input[name=roles][value=processor]")
    page.fill("#region", "黑龙江省哈尔滨市")
    page.fill("#gln", "6901234000987")  # a wrong check digit
    size = console_ledger.size()
    page.click("form.form button[type=submit]")
    page.wait_for_selector("p.error")
    assert "校验位" in page.inner_text("p.error") and "bad_check_digit" in page.inner_text(
        "p.error"
    )
    assert console_ledger.size() == size
    assert page.input_value("#actor") == "harbin-rice-mill"

    page.fill("#gln", "6901234000986")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#appended")
    assert f"第 {size} 条" in page.inner_text("#appended")
    entry = parse_entry(console_ledger.entries(size, size + 1)[0].leaf)
    assert entry.statement.kind == "actor"
    assert entry.statement.payload["gln"] == "6901234000986"
    assert console_ledger.verify().ok

    page.click("nav a[href='/console/actors']")
    page.wait_for_selector("#actor-harbin-rice-mill")
    assert "加工厂（烘干、碾米）" in page.inner_text("#actor-harbin-rice-mill")
    assert fits_the_screen(page)
    # The one failed load is the rejected form, answered 422 on purpose.
    assert errors == [f"load failed: 422 {base}/console/actors/new"]
    context.close()
