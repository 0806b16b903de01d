"""Regenerate docs/site-analysis.png: the live-birth analysis page of `evireg site`, as headless
Chromium shows it (needs the `plots` and `test` extras, and Debian's chromium and chromium-driver).

Run from anywhere: `python docs/make_site_screenshot.py`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import evireg

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1100,1500"]  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        evireg.open(ROOT / "registry").site(site)
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "chromium"
        for flag in [*FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            driver.get((site / "analyses" / "live-birth.html").as_uri())
            driver.save_screenshot(str(ROOT / "docs" / "site-analysis.png"))
        finally:
            driver.quit()
    print("wrote docs/site-analysis.png")


if __name__ == "__main__":
    main()
