"""Prints the URLs a page itself asked for, from a Chromium net log (`--log-net-log=FILE`), one a line.

Chromium's own background traffic (component updates, time checks) has the initiator "not an origin";
a request a page made carries the page's origin ("null" for a file:// page). Only the latter are printed.
"""
import json
import sys

log = json.load(open(sys.argv[1]))
types = {value: key for key, value in log["constants"]["logEventTypes"].items()}
urls = set()
for event in log["events"]:
    params = event.get("params") or {}
    url = params.get("url")
    if types.get(event["type"]) == "URL_REQUEST_START_JOB" and url and params.get("initiator") != "not an origin":
        if not url.startswith("file:"):
            urls.add(url)
for url in sorted(urls):
    print(url)
