"""The published site in a real browser (issue 18): headless Chromium from the Debian packages,
driven by Selenium through chromedriver. A reader opens the index, follows the links to an
analysis and to a study, and sees the numbers of the JSON answer, a forest plot that loaded, a
footnote per study linking to its source, and pages that work from the keyboard.

`.ci/run` installs chromium and chromium-driver when they are missing; outside CI, a machine
without them skips these tests (saying so), but in CI their absence is a failure."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .site_checks import external

pytest.importorskip("matplotlib")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
# The flags a sandboxed, offline machine needs: no sandbox as root, and none of the background
# connections that this machine's closed network would refuse at every start.
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1600", "--hide-scrollbars",
]  # fmt: skip


@pytest.fixture
def site(bundled_site: Path) -> Path:
    return bundled_site


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if CHROMIUM is None or DRIVER is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium and chromium-driver (.ci/run installs them)")
        pytest.skip("needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _pixels(png: bytes) -> Any:
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")


def _not_blank(png: bytes) -> bool:
    px = _pixels(png)
    return bool(px.std() > 0.02 and (px[..., :3] < 0.5).mean() > 0.002)  # some ink on the white


def test_reader_goes_from_index_to_analysis_to_study(site: Path, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Gao 2025")
    shot = browser.get_screenshot_as_png()
    (tmp_path / "index.png").write_bytes(shot)
    assert _not_blank(shot)

    browser.find_element(By.LINK_TEXT, "live-birth: live birth (OR)").click()
    assert browser.current_url.endswith("/analyses/live-birth.html")
    answer = json.loads((site / "analyses" / "live-birth.json").read_text())
    pooled = browser.find_element(By.ID, "pooled").text
    assert pooled == f"{answer['estimate']:.2f} [{answer['ci_low']:.2f}, {answer['ci_high']:.2f}]"
    assert pooled == "2.04 [1.44, 2.87]"

    forest = browser.find_element(By.CSS_SELECTOR, "img.forest")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", forest) > 300
    assert forest.is_displayed() and forest.size["width"] > 300
    plot = forest.screenshot_as_png
    (tmp_path / "forest.png").write_bytes(plot)
    assert _not_blank(plot)
    page = browser.get_screenshot_as_png()
    (tmp_path / "analysis.png").write_bytes(page)
    assert _not_blank(page)

    # a footnote per study row, each linking to the study's own source
    rows = browser.find_elements(By.CSS_SELECTOR, "table.analysis tr.study")
    assert len(rows) == len(answer["studies"]) == 8
    for n, s in enumerate(answer["studies"], start=1):
        note = browser.find_element(By.ID, f"fn-{n}")
        hrefs = {a.get_attribute("href") for a in note.find_elements(By.CSS_SELECTOR, "a.ext")}
        src = s["source"]
        wanted = {f"https://pubmed.ncbi.nlm.nih.gov/{src['pmid']}/" if src["pmid"] else None,
                  f"https://doi.org/{src['doi']}" if src["doi"] else None, src["url"]} - {None}
        assert hrefs == wanted, s["study"]
        assert rows[n - 1].find_element(By.CSS_SELECTOR, "sup a").get_attribute("href").endswith(f"#fn-{n}")

    rows[0].find_element(By.CSS_SELECTOR, "th a").click()
    assert browser.current_url.endswith("/studies/christiansen-1995.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Christiansen 1995"
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#results ~ div td")]
    assert "9 / 17" in cells and "5 / 17" in cells  # the 2x2 the analysis pooled, as the study reports it
    for a in browser.find_elements(By.CSS_SELECTOR, "a.ext"):
        assert external(a.get_attribute("href"))


def test_every_page_loads_with_its_images(site: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    for path in sorted(site.rglob("*.html")):
        browser.get(path.as_uri())
        assert browser.title, path
        for img in browser.find_elements(By.TAG_NAME, "img"):
            script = "return arguments[0].complete && arguments[0].naturalWidth > 0"
            loaded = browser.execute_script(script, img)
            assert loaded, f"{path}: {img.get_attribute('src')}"


def test_keyboard_reaches_the_content_first(site: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get((site / "analyses" / "live-birth.html").as_uri())
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("href").endswith("#main") and focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#main")


def test_readable_on_a_phone(site: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    try:
        browser.get((site / "analyses" / "live-birth.html").as_uri())
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 400  # wide tables scroll inside their box; the page itself does not
        forest = browser.find_element(By.CSS_SELECTOR, "img.forest")
        assert forest.size["width"] <= 390
        assert _not_blank(browser.get_screenshot_as_png())
    finally:
        browser.set_window_size(1280, 1600)


def test_pages_print(site: Path, browser: Any) -> None:
    import base64

    from selenium.webdriver.common.by import By

    browser.get((site / "analyses" / "live-birth.html").as_uri())
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    nav = browser.find_element(By.CSS_SELECTOR, "header.site nav")
    assert nav.value_of_css_property("display") != "none"
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:  # printed, the navigation goes and each source's address is written out
        assert nav.value_of_css_property("display") == "none"
        after = browser.execute_script(
            "return getComputedStyle(document.querySelector('a.ext'), '::after').content"
        )
        assert "http" in after or "attr" in after
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
