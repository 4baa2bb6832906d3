#!/usr/bin/env python3
"""A fake GitHub REST API for emit-pr tests (stdlib only): the repository, pull requests, labels and one GraphQL
mutation.

Records every request as one JSON line in --log and answers the way api.github.com does, including its
refusals (bad token, missing headers, bad JSON, validation failures, rate limits).
State lives in memory. See README.md beside this file.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

sys.dont_write_bytecode = True  # no __pycache__ left in the Swift test target
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_server  # noqa: E402  (beside this script)
from fake_server import CONTROL_PREFIX, Reply  # noqa: E402

NAME = "fake_github"
API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
HTML_BASE = "https://github.example"
DOCS = "https://docs.github.com/rest"
DOC_REPO = "https://docs.github.com/rest/repos/repos#get-a-repository"
DOC_LIST = "https://docs.github.com/rest/pulls/pulls#list-pull-requests"
DOC_CREATE = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
DOC_GET = "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"
DOC_UPDATE = "https://docs.github.com/rest/pulls/pulls#update-a-pull-request"
DOC_LABELS = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue"
DOC_SECONDARY = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"
DOC_UA = "https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent"
LOGGED_HEADERS = ["authorization", "accept", "x-github-api-version", "content-type", "user-agent"]
RATE_LIMIT = 5000


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def fake_sha(text):
    return hashlib.sha1(text.encode()).hexdigest()


def type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def error(code, message, doc=DOCS, errors=None, headers=None):
    body = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["documentation_url"] = doc
    body["status"] = str(code)
    return Reply(code, body, headers)


def not_found(doc=DOCS):
    return error(404, "Not Found", doc)


def invalid_type(doc, field, value, expected):
    """GitHub's JSON-schema refusal: 422 'Invalid request.' naming the property."""
    return error(422, f"Invalid request.\n\nFor 'properties/{field}', {json.dumps(value)} is not {expected}.", doc)


def validation_failed(doc, *errors):
    return error(422, "Validation Failed", doc, errors=list(errors))


def check_type(doc, body, field, kinds, expected):
    if field in body and type_name(body[field]) not in kinds:
        raise invalid_type(doc, field, body[field], expected)


class Repository:
    """The one repository's pull requests, guarded by a lock (handler threads share it)."""

    def __init__(self, owner_repo, api_base, push=True):
        self.owner, self.name = owner_repo.split("/", 1)
        self.full_name = owner_repo
        self.api_base = api_base
        self.push = push  # the token's push permission, as GET /repos/{o}/{r} reports it
        self.lock = threading.Lock()
        self.pulls = {}  # number -> PR object, in creation order
        self.next_number = 1

    # -- objects ------------------------------------------------------------------------------------

    def repo_object(self, owner):
        return {"name": self.name, "full_name": f"{owner}/{self.name}", "owner": {"login": owner, "type": "User"}}

    def repository_object(self):
        """GET /repos/{o}/{r}: the repository with the token's permissions (write access, or read with
        --permission-push false)."""
        o, r = self.owner, self.name
        return {
            "id": int(fake_sha("repo:" + self.full_name)[:8], 16),
            "node_id": "R_kg" + fake_sha(self.full_name)[:12],
            "name": r,
            "full_name": self.full_name,
            "private": True,
            "owner": {"login": o, "type": "User"},
            "html_url": f"{HTML_BASE}/{o}/{r}",
            "description": None,
            "fork": False,
            "url": f"{self.api_base}/repos/{o}/{r}",
            "clone_url": f"{HTML_BASE}/{o}/{r}.git",
            "default_branch": "main",
            "visibility": "private",
            "archived": False,
            "disabled": False,
            "permissions": {"admin": False, "maintain": False, "push": self.push, "triage": self.push, "pull": True},
        }

    def new_pull(self, number, title, body, head_owner, head_ref, base_ref, draft, maintainer_can_modify,
                 state="open", merged=False, labels=(), created_at=None):
        o, r = self.owner, self.name
        stamp = created_at or now()
        return {
            "url": f"{self.api_base}/repos/{o}/{r}/pulls/{number}",
            "id": 1000000 + number,
            "node_id": f"PR_kw{number}",
            "html_url": f"{HTML_BASE}/{o}/{r}/pull/{number}",
            "issue_url": f"{self.api_base}/repos/{o}/{r}/issues/{number}",
            "number": number,
            "state": state,
            "locked": False,
            "title": title,
            "user": {"login": head_owner, "type": "User"},
            "body": body,
            "labels": [self.label_object(name) for name in labels],
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": stamp if state == "closed" else None,
            "merged_at": stamp if merged else None,
            "merge_commit_sha": fake_sha(f"merge:{number}") if merged else None,
            "assignees": [],
            "requested_reviewers": [],
            "draft": draft,
            "head": {"label": f"{head_owner}:{head_ref}", "ref": head_ref, "sha": fake_sha(f"{head_owner}:{head_ref}"),
                     "user": {"login": head_owner, "type": "User"}, "repo": self.repo_object(head_owner)},
            "base": {"label": f"{o}:{base_ref}", "ref": base_ref, "sha": fake_sha(f"{o}:{base_ref}"),
                     "user": {"login": o, "type": "User"}, "repo": self.repo_object(o)},
            "auto_merge": None,
            "merged": merged,
            "mergeable": None,
            "maintainer_can_modify": maintainer_can_modify,
        }

    def label_object(self, name):
        return {"id": int(fake_sha("label:" + name)[:8], 16), "node_id": "LA_" + fake_sha(name)[:12],
                "url": f"{self.api_base}/repos/{self.owner}/{self.name}/labels/{name}",
                "name": name, "color": "ededed", "default": False, "description": None}

    def split_head(self, head):
        """'owner:ref' or 'ref' (the repository's owner) -> (owner, ref)."""
        if ":" in head:
            owner, ref = head.split(":", 1)
            return owner, ref
        return self.owner, head

    def open_duplicate(self, head_label, base_ref, except_number=None):
        for pr in self.pulls.values():
            if (pr["state"] == "open" and pr["number"] != except_number
                    and pr["head"]["label"].lower() == head_label.lower() and pr["base"]["ref"] == base_ref):
                return pr
        return None

    def preload(self, items):
        if not isinstance(items, list):
            raise ValueError("--preload: expected a JSON list of pull request objects")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise ValueError(f"--preload: item {index} is not an object")
            number = item.get("number", self.next_number)
            if not isinstance(number, int) or isinstance(number, bool) or number < 1 or number in self.pulls:
                raise ValueError(f"--preload: item {index}: bad or duplicate number {number!r}")
            head = item.get("head", f"preloaded-{number}")
            if isinstance(head, dict):
                head = head.get("label") or head.get("ref") or f"preloaded-{number}"
            base = item.get("base", "main")
            if isinstance(base, dict):
                base = base.get("ref", "main")
            head_owner, head_ref = self.split_head(str(head))
            labels = [label["name"] if isinstance(label, dict) else str(label) for label in item.get("labels", [])]
            merged = bool(item.get("merged", False))
            state = "closed" if merged else item.get("state", "open")
            if state not in ("open", "closed"):
                raise ValueError(f"--preload: item {index}: state must be open or closed")
            pr = self.new_pull(number, item.get("title", f"Preloaded pull request {number}"), item.get("body"),
                               head_owner, head_ref, str(base), bool(item.get("draft", False)),
                               bool(item.get("maintainer_can_modify", True)), state=state, merged=merged,
                               labels=dict.fromkeys(labels), created_at=item.get("created_at"))
            for key in ("created_at", "updated_at", "closed_at", "merged_at", "merge_commit_sha"):
                if key in item:
                    pr[key] = item[key]
            self.pulls[number] = pr
            self.next_number = max(self.next_number, number + 1)

    # -- endpoints (called with the lock held) ---------------------------------------------------------

    def get(self, number, doc=DOC_GET):
        pr = self.pulls.get(number)
        if pr is None:
            raise not_found(doc)
        return pr

    def list(self, query):
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed(DOC_LIST, {"resource": "PullRequest", "field": "state", "code": "invalid"})
        items = [pr for pr in self.pulls.values() if state == "all" or pr["state"] == state]
        head = query.get("head")
        # GitHub only filters on head in the form user:ref-name; a bare branch name is ignored.
        if head and ":" in head:
            items = [pr for pr in items if pr["head"]["label"].lower() == head.lower()]
        if query.get("base"):
            items = [pr for pr in items if pr["base"]["ref"] == query["base"]]
        sort = query.get("sort", "created")
        key = "updated_at" if sort in ("updated", "popularity", "long-running") else "created_at"
        descending = query.get("direction", "desc" if sort == "created" else "asc") != "asc"
        items.sort(key=lambda pr: (pr[key], pr["number"]), reverse=descending)
        return items

    def create(self, body):
        check_type(DOC_CREATE, body, "title", ("string",), "a string")
        check_type(DOC_CREATE, body, "head", ("string",), "a string")
        check_type(DOC_CREATE, body, "base", ("string",), "a string")
        check_type(DOC_CREATE, body, "body", ("string", "null"), "a string")
        check_type(DOC_CREATE, body, "draft", ("boolean",), "a boolean")
        check_type(DOC_CREATE, body, "maintainer_can_modify", ("boolean",), "a boolean")
        missing = [{"resource": "PullRequest", "field": f, "code": "missing_field"}
                   for f in ("title", "head", "base") if not body.get(f)]
        if missing:
            raise validation_failed(DOC_CREATE, *missing)
        head_owner, head_ref = self.split_head(body["head"])
        if not head_owner or not head_ref:
            raise validation_failed(DOC_CREATE, {"resource": "PullRequest", "field": "head", "code": "invalid"})
        base = body["base"]
        if head_owner.lower() == self.owner.lower() and head_ref == base:
            raise validation_failed(DOC_CREATE, {"resource": "PullRequest", "code": "custom",
                                                 "message": f"No commits between {base} and {head_ref}"})
        label = f"{head_owner}:{head_ref}"
        if self.open_duplicate(label, base):
            raise validation_failed(DOC_CREATE, {"resource": "PullRequest", "code": "custom",
                                                 "message": f"A pull request already exists for {label}."})
        number = self.next_number
        self.next_number += 1
        pr = self.new_pull(number, body["title"], body.get("body"), head_owner, head_ref, base,
                           body.get("draft", False), body.get("maintainer_can_modify", True))
        self.pulls[number] = pr
        return pr

    def update(self, number, body):
        pr = self.get(number, DOC_UPDATE)
        check_type(DOC_UPDATE, body, "title", ("string",), "a string")
        check_type(DOC_UPDATE, body, "body", ("string", "null"), "a string")
        check_type(DOC_UPDATE, body, "state", ("string",), "a string")
        check_type(DOC_UPDATE, body, "base", ("string",), "a string")
        check_type(DOC_UPDATE, body, "maintainer_can_modify", ("boolean",), "a boolean")
        if "state" in body and body["state"] not in ("open", "closed"):
            raise error(422, f"Invalid request.\n\nFor 'properties/state', {json.dumps(body['state'])} "
                             "is not one of [\"open\", \"closed\"].", DOC_UPDATE)
        if "title" in body and not body["title"]:
            raise validation_failed(DOC_UPDATE, {"resource": "Issue", "field": "title", "code": "missing_field"})
        if body.get("state") == "open" and pr["state"] == "closed":
            if pr["merged"]:
                raise validation_failed(DOC_UPDATE, {"resource": "PullRequest", "code": "custom", "field": "state",
                                                     "message": "state cannot be changed. The pull request has "
                                                                "already been merged."})
            base = body.get("base", pr["base"]["ref"])
            if self.open_duplicate(pr["head"]["label"], base, except_number=number):
                raise validation_failed(DOC_UPDATE, {"resource": "PullRequest", "code": "custom",
                                                     "message": f"A pull request already exists for "
                                                                f"{pr['head']['label']}."})
        if "base" in body and body["base"] != pr["base"]["ref"] and pr["state"] == "closed" \
                and body.get("state") != "open":
            raise validation_failed(DOC_UPDATE, {"resource": "PullRequest", "code": "custom", "field": "base",
                                                 "message": "Cannot change the base branch of a closed pull "
                                                            "request."})
        if "title" in body:
            pr["title"] = body["title"]
        if "body" in body:
            pr["body"] = body["body"]
        if "maintainer_can_modify" in body:
            pr["maintainer_can_modify"] = body["maintainer_can_modify"]
        if "base" in body:
            base = body["base"]
            pr["base"].update({"ref": base, "label": f"{self.owner}:{base}", "sha": fake_sha(f"{self.owner}:{base}")})
        if "state" in body and body["state"] != pr["state"]:
            pr["state"] = body["state"]
            pr["closed_at"] = now() if body["state"] == "closed" else None
        pr["updated_at"] = now()
        return pr

    def add_labels(self, number, body):
        pr = self.get(number, DOC_LABELS)
        if "labels" not in body:
            raise error(422, "Invalid request.\n\n\"labels\" wasn't supplied.", DOC_LABELS)
        labels = body["labels"]
        if not isinstance(labels, list):
            raise invalid_type(DOC_LABELS, "labels", labels, "an array")
        for label in labels:
            if not isinstance(label, str):
                raise error(422, f"Invalid request.\n\nFor 'items', {json.dumps(label)} is not a string.", DOC_LABELS)
            if not label.strip():
                raise validation_failed(DOC_LABELS, {"resource": "Label", "field": "name", "code": "missing_field"})
        have = [label["name"] for label in pr["labels"]]
        for label in labels:
            if label.lower() not in (h.lower() for h in have):
                have.append(label)
                pr["labels"].append(self.label_object(label))
        pr["updated_at"] = now()
        return pr["labels"]

    def graphql(self, body):
        query = body.get("query")
        if not isinstance(query, str):
            return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            variables = {}
        mutation = next((m for m in ("markPullRequestReadyForReview", "convertPullRequestToDraft") if m in query), None)
        if mutation is None:
            return {"errors": [{"message": "fake_github serves only the markPullRequestReadyForReview and "
                                           "convertPullRequestToDraft mutations"}]}
        node_id = variables.get("id") or variables.get("pullRequestId")
        if node_id is None and isinstance(variables.get("input"), dict):
            node_id = variables["input"].get("pullRequestId")
        if node_id is None:
            match = re.search(r'pullRequestId\s*:\s*"([^"]*)"', query)
            node_id = match.group(1) if match else None
        if not isinstance(node_id, str):
            return {"errors": [{"message": "Variable $id of type ID! was provided invalid value", "locations": []}]}
        pr = next((p for p in self.pulls.values() if p["node_id"] == node_id), None)
        if pr is None:
            return {"data": {mutation: None},
                    "errors": [{"type": "NOT_FOUND", "path": [mutation],
                                "message": f"Could not resolve to a node with the global id of '{node_id}'."}]}
        pr["draft"] = mutation == "convertPullRequestToDraft"
        pr["updated_at"] = now()
        return {"data": {mutation: {"pullRequest": {"isDraft": pr["draft"], "number": pr["number"]}}}}

    def merge(self, number):
        pr = self.pulls.get(number)
        if pr is None:
            raise not_found()
        stamp = now()
        pr.update({"state": "closed", "merged": True, "merged_at": stamp, "closed_at": stamp, "updated_at": stamp,
                   "merge_commit_sha": fake_sha(f"merge:{number}")})
        return pr


class Handler(fake_server.RoutingHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github"
    sys_version = ""
    json_content_type = "application/json; charset=utf-8"
    json_newline = True

    def handle_request(self):
        url = urlsplit(self.path)
        query = fake_server.last_values(url.query)
        raw = self.read_body()
        self.pause(url.path)
        parsed = fake_server.parse_json(raw)
        self.answer(lambda: self.route(url.path, query, parsed),
                    lambda status, _: {"method": self.command, "path": url.path, "query": query,
                                       "headers": self.sent_headers(LOGGED_HEADERS), "json": parsed, "status": status},
                    {"message": "fake_github internal error"})

    def reply(self, code, body, headers):
        # A classic token's scopes, on every API answer but a refused token's (not on /_fake/ ones).
        if self.server.scopes is not None and not urlsplit(self.path).path.startswith(CONTROL_PREFIX) and code != 401:
            headers = dict(headers, **{"X-OAuth-Scopes": self.server.scopes})
        self.send_json(code, body, [("X-GitHub-Media-Type", "github.v3; format=json"),
                                    ("X-GitHub-Api-Version-Selected", API_VERSION),
                                    ("X-GitHub-Request-Id", f"FAKE:{self.server.next_request_id()}"),
                                    *headers.items()])

    # -- checks and routing -----------------------------------------------------------------------------

    def check_request(self, parsed):
        server = self.server
        if not self.headers.get("User-Agent"):
            raise error(403, "Request forbidden by administrative rules. Please make sure your request has a "
                             "User-Agent header.", DOC_UA)
        auth = self.headers.get("Authorization") or ""
        scheme, _, credential = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or credential.strip() != server.token:
            raise error(401, "Bad credentials")
        if MEDIA_TYPE not in (self.headers.get("Accept") or ""):
            raise error(400, f"expected Accept: {MEDIA_TYPE}")
        version = self.headers.get("X-GitHub-Api-Version")
        if version is None:
            raise error(400, f"expected X-GitHub-Api-Version: {API_VERSION}")
        if version != API_VERSION:
            raise error(400, f"API version {version} is not supported.")
        if self.command in ("POST", "PATCH", "PUT"):
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type != "application/json" or not isinstance(parsed, dict):
                raise error(400, "Problems parsing JSON")

    def route(self, path, query, parsed):
        """(status, body, extra headers) for a request, or raises Reply."""
        server = self.server
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["_fake"]:
            return self.route_fake(parts[1:])
        gate = server.gate()
        if gate == "rate-limit":
            raise error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you "
                             "try again.", DOC_SECONDARY,
                        headers={"Retry-After": "1", "X-RateLimit-Limit": RATE_LIMIT, "X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Used": RATE_LIMIT, "X-RateLimit-Reset": int(time.time()) + 1,
                                 "X-RateLimit-Resource": "core"})
        if gate == "fail":
            raise Reply(502, {"message": "Server Error"})
        self.check_request(parsed)
        repo = server.repository
        with repo.lock:
            if parts == ["graphql"] and self.command == "POST":
                return 200, repo.graphql(parsed), {}
            if len(parts) == 3 and parts[0] == "repos" and self.command == "GET":
                if f"{parts[1]}/{parts[2]}".lower() != repo.full_name.lower():
                    raise not_found(DOC_REPO)
                return 200, repo.repository_object(), {}
            if len(parts) < 4 or parts[0] != "repos" \
                    or f"{parts[1]}/{parts[2]}".lower() != repo.full_name.lower():
                raise not_found()
            rest, method = parts[3:], self.command
            if rest == ["pulls"] and method == "GET":
                return self.paginate(repo.list(query), query)
            if rest == ["pulls"] and method == "POST":
                pr = repo.create(parsed)
                if server.take_lost_create():
                    raise Reply(502, {"message": "Server Error"})  # created, but the answer never arrives
                return 201, pr, {"Location": pr["url"]}
            number = self.number(rest[1]) if len(rest) >= 2 else None
            if rest[:1] == ["pulls"] and len(rest) == 2 and number is not None:
                if method == "GET":
                    return 200, repo.get(number), {}
                if method == "PATCH":
                    return 200, repo.update(number, parsed), {}
            if rest[:1] == ["issues"] and rest[2:] == ["labels"] and number is not None and method == "POST":
                return 200, repo.add_labels(number, parsed), {}
        raise not_found()

    def route_fake(self, parts):
        delay = self.control_delay(parts)
        if delay:
            return delay
        repo = self.server.repository
        with repo.lock:
            if parts == ["pulls"] and self.command == "GET":
                return 200, sorted(repo.pulls.values(), key=lambda pr: pr["number"]), {}
            if len(parts) == 2 and parts[0] == "merge" and self.command == "POST":
                number = self.number(parts[1])
                if number is not None:
                    return 200, repo.merge(number), {}
        raise not_found()

    @staticmethod
    def number(text):
        return int(text) if text.isdigit() and int(text) > 0 else None

    def paginate(self, items, query):
        try:
            per_page = max(1, min(100, int(query.get("per_page", 30))))
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            per_page, page = 30, 1
        last = max(1, -(-len(items) // per_page))
        links = []
        base = f"{self.server.repository.api_base}{urlsplit(self.path).path}"

        def link(n, rel):
            return f'<{base}?{urlencode(dict(query, per_page=per_page, page=n))}>; rel="{rel}"'
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        chunk = items[(page - 1) * per_page: page * per_page]
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})


class Server(fake_server.Server):
    def __init__(self, port, token, request_log, rate_limit_once, fail_first):
        super().__init__(port, Handler, request_log)
        self.token = token
        self.rate_limit_pending, self.fail_pending = rate_limit_once, fail_first
        self.repository = None
        self.lose_create_pending = False
        self.scopes = None  # --scopes: the X-OAuth-Scopes header, or None (a fine-grained token sends none)

    def take_lost_create(self):
        """True once with --lose-first-create: the first created pull request is answered with a 502."""
        return self.take("lose_create_pending")

    def gate(self):
        """'rate-limit' for the first request with --rate-limit-once, then 'fail' for --fail-first N."""
        if self.take("rate_limit_pending"):
            return "rate-limit"
        if self.take("fail_pending"):
            return "fail"
        return None


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Fake GitHub REST API (repository, pull requests) for emit-pr tests.")
    fake_server.add_port_option(parser)
    fake_server.add_log_option(parser, "append one JSON line per request")
    parser.add_argument("--token", required=True, help="require 'Authorization: Bearer TOKEN' (or 'token TOKEN')")
    parser.add_argument("--owner-repo", default="acme/infra", metavar="OWNER/NAME", help="the one repository served")
    parser.add_argument("--rate-limit-once", action="store_true",
                        help="answer the first request with a 403 secondary rate limit (Retry-After: 1)")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N", help="answer the first N requests with 502")
    parser.add_argument("--preload", metavar="FILE", help="JSON list of pull requests to start with")
    parser.add_argument("--lose-first-create", action="store_true",
                        help="create the first pull request asked for but answer 502, as if the answer was lost")
    parser.add_argument("--permission-push", choices=("true", "false"), default="true",
                        help="the token's push permission in GET /repos/{o}/{r} (false: read-only access)")
    parser.add_argument("--scopes", metavar="SCOPES",
                        help="send 'X-OAuth-Scopes: SCOPES' (e.g. 'repo, workflow') on every API answer, as for a "
                             "classic token; without it none is sent, as for a fine-grained token")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", args.owner_repo):
        parser.error(f"--owner-repo: expected OWNER/NAME, got {args.owner_repo!r}")
    if args.fail_first < 0:
        parser.error("--fail-first: expected N >= 0")
    return args


def main(argv):
    args = parse_args(argv)
    preload = None
    if args.preload:
        try:
            with open(args.preload, "rb") as f:
                preload = json.load(f)
        except (OSError, ValueError) as err:
            fake_server.fail(NAME, f"--preload: {err}", 66)
    request_log = fake_server.open_log(NAME, args.log)
    server = fake_server.listen(NAME, args.port, Server, args.token, request_log, args.rate_limit_once, args.fail_first)
    server.lose_create_pending = args.lose_first_create
    server.scopes = args.scopes
    server.repository = Repository(args.owner_repo, f"http://127.0.0.1:{server.server_address[1]}",
                                   push=args.permission_push == "true")
    if preload is not None:
        try:
            server.repository.preload(preload)
        except ValueError as err:
            fake_server.fail(NAME, str(err), 66)
    return fake_server.serve(server)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
