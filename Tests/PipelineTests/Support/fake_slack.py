#!/usr/bin/env python3
"""A fake Slack for notify-slack and slack-approvals tests (stdlib only): the Web API's chat methods and auth.test,
incoming webhooks and interactivity response_urls.

Records every request as one JSON line in --log and answers the way slack.com / hooks.slack.com do, including
their refusals (no or bad token, bad JSON, invalid Block Kit, unknown message, rate limits).
State lives in memory. See README.md beside this file.
"""

import argparse
import hashlib
import json
import os
import re
import sys
import threading
from urllib.parse import urlsplit

sys.dont_write_bytecode = True  # no __pycache__ left in the Swift test target
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_server  # noqa: E402  (beside this script)
from fake_server import Reply  # noqa: E402

NAME = "fake_slack"
LOGGED_HEADERS = ["authorization", "content-type", "user-agent"]
TS_BASE = 1763640000
TEAM = "T000"
BOT_USER = "U0FAKEBOT"
BOT_ID = "B0FAKEBOT"
APP_ID = "A0FAKEAPP"
WEB_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "auth.test")
# What auth.test answers for the bot token.
AUTH_TEST = {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "autopilot", "team_id": "T0FAKE",
             "user_id": "U0BOT", "bot_id": "B0BOT"}
BLOCK_TYPES = ("section", "actions", "context", "divider", "header")
MAX_BLOCKS = 50
MAX_ELEMENTS = 25
MAX_TEXT = 40000
RESPONSE_URL_USES = 5
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
TS = re.compile(r"\d+\.\d+")


def api_error(name, **extra):
    """Slack Web API refusals are HTTP 200 with ok false."""
    return Reply(200, dict({"ok": False, "error": name}, **extra))


def refusal(name):
    return {"ok": False, "error": name}


def invalid_blocks(problems, code=200, error="invalid_blocks"):
    """Slack's invalid_blocks answer: the problems, each with a json-pointer, twice (errors and messages)."""
    return Reply(code, {"ok": False, "error": error, "errors": problems,
                        "response_metadata": {"messages": ["[ERROR] " + p for p in problems]}})


# -- Block Kit ----------------------------------------------------------------------------------------------


def text_problems(obj, pointer, kinds=("plain_text", "mrkdwn"), limit=3000, required=True):
    if obj is None and not required:
        return []
    if not isinstance(obj, dict):
        return [f"must be a text object [json-pointer:{pointer}]"]
    problems = []
    if obj.get("type") not in kinds:
        problems.append(f"must be one of {list(kinds)} [json-pointer:{pointer}/type]")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"must be a non-empty string [json-pointer:{pointer}/text]")
    elif len(text) > limit:
        problems.append(f"must be less than {limit + 1} characters [json-pointer:{pointer}/text]")
    return problems


def button_problems(element, pointer, seen_action_ids):
    if not isinstance(element, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    if element.get("type") != "button":
        return [f"must be a button (this fake serves only buttons in actions blocks) [json-pointer:{pointer}/type]"]
    problems = text_problems(element.get("text"), pointer + "/text", kinds=("plain_text",), limit=75)
    action_id = element.get("action_id")
    if not isinstance(action_id, str) or not action_id:
        problems.append(f"missing required field: action_id [json-pointer:{pointer}/action_id]")
    elif len(action_id) > 255:
        problems.append(f"must be less than 256 characters [json-pointer:{pointer}/action_id]")
    elif action_id in seen_action_ids:
        problems.append(f"action_id must be unique within the block [json-pointer:{pointer}/action_id]")
    else:
        seen_action_ids.add(action_id)
    value, url = element.get("value"), element.get("url")
    if value is None and url is None:
        problems.append(f"must have a value or a url [json-pointer:{pointer}]")
    if value is not None and (not isinstance(value, str) or len(value) > 2000):
        problems.append(f"must be a string of at most 2000 characters [json-pointer:{pointer}/value]")
    if url is not None and (not isinstance(url, str) or not url or len(url) > 3000):
        problems.append(f"must be a string of at most 3000 characters [json-pointer:{pointer}/url]")
    if "style" in element and element["style"] not in ("primary", "danger"):
        problems.append(f"must be one of ['primary', 'danger'] [json-pointer:{pointer}/style]")
    confirm = element.get("confirm")
    if confirm is not None:
        if not isinstance(confirm, dict):
            problems.append(f"must be a confirmation dialog object [json-pointer:{pointer}/confirm]")
        else:
            problems += text_problems(confirm.get("title"), pointer + "/confirm/title", ("plain_text",), 100)
            problems += text_problems(confirm.get("text"), pointer + "/confirm/text", limit=300)
            problems += text_problems(confirm.get("confirm"), pointer + "/confirm/confirm", ("plain_text",), 30)
            problems += text_problems(confirm.get("deny"), pointer + "/confirm/deny", ("plain_text",), 30)
    return problems


def block_problems(block, pointer, seen_block_ids):
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return [f"must be one of {list(BLOCK_TYPES)} [json-pointer:{pointer}/type]"]
    problems = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id or len(block_id) > 255:
            problems.append(f"must be a string of 1 to 255 characters [json-pointer:{pointer}/block_id]")
        elif block_id in seen_block_ids:
            problems.append(f"duplicate block_id [json-pointer:{pointer}/block_id]")
        else:
            seen_block_ids.add(block_id)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"must provide text or fields [json-pointer:{pointer}]")
        if "text" in block:
            problems += text_problems(block["text"], pointer + "/text")
        if "fields" in block:
            fields = block["fields"]
            if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                problems.append(f"must be an array of 1 to 10 text objects [json-pointer:{pointer}/fields]")
            else:
                for i, field in enumerate(fields):
                    problems += text_problems(field, f"{pointer}/fields/{i}", limit=2000)
        if "accessory" in block:
            problems += button_problems(block["accessory"], pointer + "/accessory", set())
    elif kind == "header":
        problems += text_problems(block.get("text"), pointer + "/text", kinds=("plain_text",), limit=150)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            problems.append(f"must be an array of 1 to 10 elements [json-pointer:{pointer}/elements]")
        else:
            for i, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "image":
                    if not element.get("image_url") or not element.get("alt_text"):
                        problems.append(f"image needs image_url and alt_text [json-pointer:{pointer}/elements/{i}]")
                else:
                    problems += text_problems(element, f"{pointer}/elements/{i}")
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"must be a non-empty array [json-pointer:{pointer}/elements]")
        elif len(elements) > MAX_ELEMENTS:
            problems.append(f"must have at most {MAX_ELEMENTS} items [json-pointer:{pointer}/elements]")
        else:
            seen = set()
            for i, element in enumerate(elements):
                problems += button_problems(element, f"{pointer}/elements/{i}", seen)
    return problems


def blocks_problems(blocks):
    """[] when `blocks` is a valid list of Block Kit blocks this fake knows, else Slack-style problem strings."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    if len(blocks) > MAX_BLOCKS:
        return [f"must have at most {MAX_BLOCKS} items [json-pointer:/blocks]"]
    problems, seen = [], set()
    for i, block in enumerate(blocks):
        problems += block_problems(block, f"/blocks/{i}", seen)
    return problems


# -- state --------------------------------------------------------------------------------------------------


class Workspace:
    """Channels, messages and response_url posts, guarded by a lock (handler threads share it)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.channels = {}  # name (or user id) as given, normalised -> channel id
        self.messages = []  # in post order
        self.responses = []
        self.response_url_uses = {}
        self.ts_counter = 0
        self.edit_counter = 0

    def next_ts(self):
        self.ts_counter += 1
        return f"{TS_BASE + self.ts_counter // 10000}.{(self.ts_counter % 10000) * 100:06d}"

    def next_edit_ts(self):
        """edited.ts of an updated message: its own sequence, so message ts stay .000100, .000200, …"""
        self.edit_counter += 1
        return f"{TS_BASE + 3600 + self.edit_counter // 10000}.{(self.edit_counter % 10000) * 100:06d}"

    def resolve(self, channel):
        """'#name' or 'name' -> a stable C… id; a U…/W… user -> a D… DM id; C…/G…/D… ids kept; else None."""
        if not isinstance(channel, str) or not channel:
            return None
        if CHANNEL_ID.fullmatch(channel):
            return channel
        if USER_ID.fullmatch(channel):
            return self.channels.setdefault(channel, "D" + hashlib.sha1(channel.encode()).hexdigest()[:10].upper())
        name = channel[1:] if channel.startswith("#") else channel
        name = name.lower()
        if not CHANNEL_NAME.fullmatch(name):
            return None
        return self.channels.setdefault("#" + name, "C" + hashlib.sha1(name.encode()).hexdigest()[:10].upper())

    def find(self, channel_id, ts):
        return next((m for m in self.messages
                     if m["channel"] == channel_id and m["ts"] == ts and not m["ephemeral"]), None)

    @staticmethod
    def message_object(message):
        body = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "app_id": APP_ID, "team": TEAM,
                "text": message["text"] or "", "ts": message["ts"]}
        if message["blocks"] is not None:
            body["blocks"] = message["blocks"]
        if message["thread_ts"] is not None:
            body["thread_ts"] = message["thread_ts"]
            body["parent_user_id"] = BOT_USER
        if message["edited"]:
            body["edited"] = {"user": BOT_USER, "ts": message["edited"]}
        return body

    def new_message(self, channel_id, args, method, **extra):
        message = {"channel": channel_id, "ts": self.next_ts(), "text": args.get("text"),
                   "blocks": args.get("blocks"), "thread_ts": args.get("thread_ts"), "method": method,
                   "unfurl_links": args.get("unfurl_links"), "unfurl_media": args.get("unfurl_media"),
                   "ephemeral": False, "user": None, "path": None, "updates": 0, "history": [], "edited": None}
        message.update(extra)
        self.messages.append(message)
        return message


def flag(value):
    """A boolean argument as JSON sends it, or as a form string."""
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return value


def check_content(args):
    """no_text / invalid_blocks / msg_too_long for a message's text and blocks (chat methods)."""
    text, blocks = args.get("text"), args.get("blocks")
    if text is not None and not isinstance(text, str):
        raise api_error("invalid_arguments", response_metadata={"messages": ["[ERROR] must be a string "
                                                                             "[json-pointer:/text]"]})
    if not text and not blocks:
        if blocks is not None and not isinstance(blocks, list):
            raise invalid_blocks(blocks_problems(blocks))
        raise api_error("no_text")
    if blocks is not None:
        problems = blocks_problems(blocks)
        if problems:
            raise invalid_blocks(problems)
    if text and len(text) > MAX_TEXT:
        raise api_error("msg_too_long")


# -- HTTP -----------------------------------------------------------------------------------------------------


class Handler(fake_server.RoutingHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-slack"
    sys_version = ""
    json_content_type = "application/json; charset=utf-8"
    json_newline = True

    def content_type(self):
        """(media type lower-cased, has a charset parameter)."""
        value = self.headers.get("Content-Type") or ""
        media, _, params = value.partition(";")
        return media.strip().lower(), "charset=" in params.lower()

    def handle_request(self):
        url = urlsplit(self.path)
        raw = self.read_body()
        self.pause(url.path)
        parsed = fake_server.parse_json(raw)
        form = None
        if self.content_type()[0] == "application/x-www-form-urlencoded":
            try:
                form = fake_server.last_values(raw.decode("utf-8"))
            except UnicodeDecodeError:
                form = {}
        self.answer(lambda: self.route(url.path, url.query, raw, parsed, form),
                    lambda status, body: {"method": self.command, "path": url.path,
                                          "headers": self.sent_headers(LOGGED_HEADERS), "json": parsed, "form": form,
                                          "status": status, "answer": body},
                    {"ok": False, "error": "fatal_error"})

    def reply(self, code, body, headers):
        extra = [("X-Slack-Req-Id", f"fake{self.server.next_request_id():08d}"), *headers.items()]
        if isinstance(body, str):
            self.send_text(code, body, headers=extra)
        else:
            self.send_json(code, body, extra)

    # -- routing ----------------------------------------------------------------------------------------------

    def route(self, path, query, raw, parsed, form):
        """(status, body, extra headers) for a request, or raises Reply."""
        server = self.server
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["_fake"]:
            return self.route_fake(parts[1:])
        gate = server.gate()
        if gate == "rate-limit":
            raise Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
        if gate == "fail":
            raise Reply(503, "503 Service Unavailable (fake_slack --fail-all)")
        if parts[:1] == ["api"] and len(parts) == 2:
            return self.web_api(parts[1], query, raw, parsed, form)
        if parts[:1] == ["services"]:
            return self.webhook(parts[1:], parsed, form)
        if parts[:1] == ["actions"] and len(parts) >= 2:
            return self.response_url(path, parsed)
        raise Reply(404, "not_found")

    def route_fake(self, parts):
        workspace = self.server.workspace
        delay = self.control_delay(parts)
        if delay:
            return delay
        if self.command == "GET" and len(parts) == 1 and parts[0] in ("messages", "responses", "channels"):
            with workspace.lock:  # a copy, so the answer is not written while another request changes it
                return 200, json.loads(json.dumps(getattr(workspace, parts[0]))), {}
        raise Reply(404, {"ok": False, "error": "not_found"})

    # -- Web API ----------------------------------------------------------------------------------------------

    def web_api(self, method, query, raw, parsed, form):
        if method not in WEB_METHODS:
            raise Reply(404, {"ok": False, "error": "unknown_method", "req_method": method})
        media, has_charset = self.content_type()
        warnings = []
        # Query arguments count too, except a token there (Slack no longer takes tokens in the query string).
        args = {k: v for k, v in fake_server.last_values(query).items() if k != "token"}
        if media == "application/json":
            if not has_charset:
                warnings.append("missing_charset")
            if parsed is None and raw:
                raise api_error("invalid_json")
            if raw and not isinstance(parsed, dict):
                raise api_error("json_not_object")
            args.update(parsed or {})
        elif media == "application/x-www-form-urlencoded":
            args.update(form or {})
            if isinstance(args.get("blocks"), str):
                try:
                    args["blocks"] = json.loads(args["blocks"])
                except ValueError:
                    raise invalid_blocks(["must be a JSON array [json-pointer:/blocks]"],
                                         error="invalid_blocks_format")
        elif raw:
            raise api_error("invalid_post_type" if media else "missing_post_type")
        # A form body may carry the token as a `token` field; a JSON body must use the Authorization header.
        body_token = args.pop("token", None) if media == "application/x-www-form-urlencoded" else None
        args.pop("token", None)
        token = self.bearer_token()
        if token is None:
            token = body_token
        if token is None:
            raise api_error("not_authed")
        if token != self.server.token:
            raise api_error("invalid_auth")
        workspace = self.server.workspace
        with workspace.lock:
            body = getattr(self, method.replace(".", "_"))(workspace, args)
        if warnings:
            body["warning"] = ",".join(warnings)
            body["response_metadata"] = {"warnings": warnings}
        return 200, body, {}

    def bearer_token(self):
        """The token from `Authorization: Bearer TOKEN`, "" for any other Authorization, None without one."""
        auth = self.headers.get("Authorization")
        if auth is None:
            return None
        scheme, _, credential = auth.partition(" ")
        return credential.strip() if scheme.lower() == "bearer" else ""

    def auth_test(self, workspace, args):
        return dict(AUTH_TEST)

    def chat_postMessage(self, workspace, args):
        channel = workspace.resolve(args.get("channel"))
        if channel is None:
            raise api_error("channel_not_found")
        check_content(args)
        thread_ts = args.get("thread_ts")
        if thread_ts is not None and (not isinstance(thread_ts, str) or not TS.fullmatch(thread_ts)):
            raise api_error("invalid_thread_ts")
        args = dict(args, unfurl_links=flag(args.get("unfurl_links")), unfurl_media=flag(args.get("unfurl_media")))
        message = workspace.new_message(channel, args, "chat.postMessage")
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": workspace.message_object(message)}

    def chat_update(self, workspace, args):
        channel = workspace.resolve(args.get("channel"))
        if channel is None:
            raise api_error("channel_not_found")
        message = workspace.find(channel, args.get("ts"))
        if message is None:
            raise api_error("message_not_found")
        text = args.get("text", message["text"])
        blocks = args.get("blocks", message["blocks"])
        check_content({"text": text, "blocks": blocks})
        message["history"].append({"text": message["text"], "blocks": message["blocks"]})
        message["updates"] += 1
        message["text"], message["blocks"] = text, blocks
        message["edited"] = workspace.next_edit_ts()
        return {"ok": True, "channel": channel, "ts": message["ts"], "text": text or "",
                "message": workspace.message_object(message)}

    def chat_postEphemeral(self, workspace, args):
        channel = workspace.resolve(args.get("channel"))
        if channel is None:
            raise api_error("channel_not_found")
        user = args.get("user")
        if not isinstance(user, str) or not USER_ID.fullmatch(user):
            raise api_error("user_not_found")
        check_content(args)
        message = workspace.new_message(channel, args, "chat.postEphemeral", ephemeral=True, user=user)
        return {"ok": True, "message_ts": message["ts"]}

    # -- incoming webhooks and response_url ------------------------------------------------------------------

    def payload(self, parsed, form, error_body):
        """The JSON object a webhook or response_url was sent (form `payload=` too), or a 400 invalid_payload
        (its body made by `error_body`)."""
        if form is not None and "payload" in form:
            try:
                parsed = json.loads(form["payload"])
            except ValueError:
                parsed = None
        if self.command != "POST" or not isinstance(parsed, dict):
            raise Reply(400, error_body("invalid_payload"))
        return parsed

    def webhook(self, parts, parsed, form):
        if len(parts) != 3:
            raise Reply(404, "no_service")
        body = self.payload(parsed, form, str)  # hooks.slack.com refuses in plain text
        text, blocks = body.get("text"), body.get("blocks")
        if text is not None and not isinstance(text, str):
            raise Reply(400, "invalid_payload")
        if not text and not blocks and (blocks is None or isinstance(blocks, list)):
            raise Reply(400, "no_text")
        if blocks is not None and blocks_problems(blocks):
            raise Reply(400, "invalid_blocks")
        workspace = self.server.workspace
        with workspace.lock:
            workspace.new_message("webhook", body, "webhook", path="/services/" + "/".join(parts))
        return 200, "ok", {}

    def response_url(self, path, parsed):
        body = self.payload(parsed, None, refusal)
        text, blocks = body.get("text"), body.get("blocks")
        if "response_type" in body and body["response_type"] not in ("ephemeral", "in_channel"):
            raise Reply(400, refusal("invalid_payload"))
        for key in ("replace_original", "delete_original"):
            if key in body and not isinstance(body[key], bool):
                raise Reply(400, refusal("invalid_payload"))
        if text is not None and not isinstance(text, str):
            raise Reply(400, refusal("invalid_payload"))
        if not body.get("delete_original") and not text and not blocks:
            raise Reply(400, refusal("no_text"))
        if blocks is not None:
            problems = blocks_problems(blocks)
            if problems:
                raise invalid_blocks(problems, code=400)
        workspace = self.server.workspace
        with workspace.lock:
            uses = workspace.response_url_uses.get(path, 0)
            if uses >= RESPONSE_URL_USES:
                raise Reply(404, refusal("used_url"))
            workspace.response_url_uses[path] = uses + 1
            workspace.responses.append({"path": path, "text": text, "blocks": blocks,
                                        "response_type": body.get("response_type"),
                                        "replace_original": body.get("replace_original"),
                                        "delete_original": body.get("delete_original"),
                                        "thread_ts": body.get("thread_ts"), "json": body})
        return 200, {"ok": True}, {}


class Server(fake_server.Server):
    def __init__(self, port, token, request_log, rate_limit_once, fail_all):
        super().__init__(port, Handler, request_log)
        self.token = token
        self.rate_limit_pending, self.fail_all = rate_limit_once, fail_all
        self.workspace = Workspace()

    def gate(self):
        """'rate-limit' for the first request with --rate-limit-once, then 'fail' for every one with --fail-all."""
        if self.take("rate_limit_pending"):
            return "rate-limit"
        return "fail" if self.fail_all else None


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Fake Slack (Web API chat methods and auth.test, incoming webhooks, "
                                                 "response_url) for notify-slack and slack-approvals tests.")
    fake_server.add_port_option(parser)
    fake_server.add_log_option(parser, "append one JSON line per request")
    parser.add_argument("--token", required=True, help="the bot token the Web API requires (Authorization: Bearer)")
    parser.add_argument("--rate-limit-once", action="store_true",
                        help="answer the first request with 429 ratelimited (Retry-After: 1)")
    parser.add_argument("--fail-all", action="store_true", help="answer every request with 503 (an outage)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("--token: must not be empty")
    return args


def main(argv):
    args = parse_args(argv)
    request_log = fake_server.open_log(NAME, args.log)
    server = fake_server.listen(NAME, args.port, Server, args.token, request_log, args.rate_limit_once, args.fail_all)
    return fake_server.serve(server)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
