"""Drives render-site's pages in a real browser (Selenium, Debian's chromium and chromium-driver).

Usage: site_browser.py SITE_DIR SCREENSHOT_DIR PAGE...   (PAGE relative to SITE_DIR)
Prints one JSON object: per page its console errors, the requests it made that are not file: or data:
URLs, its title and a screenshot path; and what the findings explorer did when searched, filtered and
sorted. The test (RenderSiteTests) judges the figures; this script only reports them.
"""
import json
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

site, shots, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--window-size=1200,1600", "--user-data-dir=" + os.path.join(shots, "profile")]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.get_log("performance")  # the browser's own start-up pages, before any of ours


def requests_made():
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("file:", "data:", "chrome:")):
                urls.append(url)
    return urls


def visible_rows():
    return [row for row in driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr") if row.is_displayed()]


result = {"pages": {}, "explorer": {}}
try:
    for page in pages:
        driver.get("file://" + os.path.join(site, page))
        shot = os.path.join(shots, page.replace("/", "_") + ".png")
        driver.save_screenshot(shot)
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        result["pages"][page] = {"title": driver.title, "errors": errors, "requests": requests_made(), "screenshot": shot}

    driver.get("file://" + os.path.join(site, "findings.html"))
    explorer = result["explorer"]
    explorer["filtersShown"] = driver.find_element(By.ID, "filters").is_displayed()
    explorer["rows"] = len(visible_rows())
    first = visible_rows()[0].get_attribute("data-workload")
    explorer["search"] = first
    driver.find_element(By.ID, "q").send_keys(first)
    found = visible_rows()
    explorer["searchRows"] = len(found)
    explorer["searchRowsMatch"] = all(first.lower() in row.get_attribute("data-search") for row in found)
    explorer["searchSavingsCents"] = sum(int(row.get_attribute("data-savings")) for row in found)
    explorer["shownText"] = driver.find_element(By.ID, "shown").text
    driver.find_element(By.ID, "q").clear()
    driver.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")
    cluster = Select(driver.find_element(By.CSS_SELECTOR, "select[data-filter=cluster]"))
    value = cluster.options[1].get_attribute("value")
    cluster.select_by_value(value)
    explorer["cluster"] = value
    explorer["clusterRows"] = [row.get_attribute("data-cluster") for row in visible_rows()]
    cluster.select_by_value("")
    sort = driver.find_element(By.CSS_SELECTOR, "button[data-sort=savings]")
    sort.click()
    explorer["sortedDescending"] = [int(row.get_attribute("data-savings")) for row in visible_rows()]
    sort.click()
    explorer["sortedAscending"] = [int(row.get_attribute("data-savings")) for row in visible_rows()]
    explorer["errors"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
finally:
    driver.quit()
print(json.dumps(result))
