"""Page load times of a built site from file:// in headless chromium (bench: each page type, cold
and warm, until it is usable — the same readiness the browser tests use — and until its charts are drawn).

Usage: python bench/site_pages.py PUBLICATION
Prints one Markdown table row per page type.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

READY = {"index": "#headline tbody tr", "indicadores": "#table-years tbody tr", "procesos": "#results tbody tr",
         "proceso": "#awards", "entidad": "#entity h1", "descargas": "#files tbody tr"}
CHARTS = {"indicadores", "entidad"}


def until(driver, selector: str, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while not driver.find_elements(By.CSS_SELECTOR, selector):
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"{selector} did not appear in {timeout:.0f} s")
        time.sleep(0.02)
    return time.perf_counter() - started


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    index = orjson.loads((root / "site/data/p/index.js").read_bytes().split(b",", 1)[1].rsplit(b")", 1)[0])
    middle = index[len(index) // 2]
    suppliers = orjson.loads((root / "site/data/e/index.js").read_bytes().split(b",", 1)[1].rsplit(b")", 1)[0])
    queries = {"proceso": f"?ocid={middle}", "entidad": f"?id={suppliers[len(suppliers) // 2]}"}
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--window-size=1280,1600"):
        options.add_argument(flag)
    options.page_load_strategy = "eager"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    print("| page | usable, first load (s) | usable, again (s) | charts drawn (s) |\n|---|---:|---:|---:|")
    try:
        for page, selector in READY.items():
            times = []
            for _ in range(2):
                started = time.perf_counter()
                driver.get((root / f"{page}.html").as_uri() + queries.get(page, ""))
                until(driver, selector)
                times.append(time.perf_counter() - started)
            charts = "–"
            if page in CHARTS:
                until(driver, ".chart .main-svg")
                charts = f"{time.perf_counter() - started:.2f}"
            print(f"| {page} | {times[0]:.2f} | {times[1]:.2f} | {charts} |", flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
