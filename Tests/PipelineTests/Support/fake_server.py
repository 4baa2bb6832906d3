"""What the fake servers beside this file share (stdlib only): binding 127.0.0.1, saying `LISTENING <port>`
once connections are accepted, recording each request in the file the test reads, answering, and stopping
cleanly on SIGTERM or SIGINT. Each fake keeps its own routes, checks and answers.

A fake is run as a script (`python3 fake_x.py …`), so Python finds this module in the script's directory.
The Swift launchers (ServerProcess.start and the like) read the one announcement line from stdout.
"""

import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CONTROL_PREFIX = "/_fake/"  # the test's own calls: no auth, no delay, no injected failures


# -- command line and start-up ----------------------------------------------------------------------------


def add_port_option(parser):
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")


def add_log_option(parser, help=None, required=True):
    parser.add_argument("--log", required=required, metavar="FILE", help=help)


def fail(name, message, code):
    """Ends start-up: `NAME: error: MESSAGE` on stderr and exit status `code`."""
    print(f"{name}: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def open_log(name, path, reopen=False):
    """The request log at `path` (None: none), opened for appending; exit 73 if it cannot be."""
    try:
        return RequestLog(path, reopen)
    except OSError as err:
        fail(name, f"--log: {err}", 73)


def listen(name, port, server_class, *args, **kwargs):
    """`server_class(port, *args, **kwargs)`, bound and listening on 127.0.0.1; exit 69 if it cannot be."""
    try:
        return server_class(port, *args, **kwargs)
    except OSError as err:
        fail(name, f"cannot listen on 127.0.0.1:{port}: {err}", 69)


def serve(server, announce="LISTENING {port}"):
    """Serves until SIGTERM or SIGINT, then returns 0 (the exit status). The announcement (`{port}` is the
    port listened on) is printed, flushed, once connections are accepted: the launchers wait for it."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    print(announce.format(port=server.server_address[1]), flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


# -- recording ----------------------------------------------------------------------------------------------


class RequestLog:
    """The file a fake records its requests in, one line each, written and flushed before the answer goes
    out (a client that has its answer finds the line). With `reopen` the file is opened for each line, so a
    test may delete it between requests; a None path records nothing."""

    def __init__(self, path, reopen=False):
        self.path, self.reopen = path, reopen
        self.lock = threading.Lock()
        self.file = None if reopen or path is None else open(path, "a", encoding="utf-8")

    def line(self, text):
        if self.path is None:
            return
        with self.lock:
            if self.reopen:
                with open(self.path, "a", encoding="utf-8") as file:
                    file.write(text + "\n")
            else:
                self.file.write(text + "\n")
                self.file.flush()

    def record(self, value):
        """One JSON object per line."""
        self.line(json.dumps(value))


# -- the server -----------------------------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1:`port` (0: any free port) with the fake's request log, a
    request counter, failure injections to count down and a delay the test may set."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, handler, request_log=None):
        super().__init__(("127.0.0.1", port), handler)
        self.request_log = request_log or RequestLog(None)
        self.counter_lock = threading.Lock()
        self.request_id = 0
        self.delay = 0.0  # seconds every request but the test's own waits (POST /_fake/delay/SECONDS)

    def handle_error(self, request, client_address):
        # A client that hangs up (or fails a TLS handshake) is not the server's problem.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)

    def next_request_id(self):
        with self.counter_lock:
            self.request_id += 1
            return self.request_id

    def take(self, name):
        """Counts down attribute `name` (a flag or a count of injected failures still to come): True, once
        per unit, while any is left."""
        with self.counter_lock:
            left = getattr(self, name)
            if left > 0:
                setattr(self, name, left - 1)
                return True
            return False


# -- requests and answers -------------------------------------------------------------------------------------


class Reply(Exception):
    """An answer that ends the request early: a body (JSON value, or text) with a status and extra headers."""

    def __init__(self, code, body, headers=None):
        super().__init__(code)
        self.code, self.body, self.headers = code, body, headers or {}


def last_values(text, keep_blank_values=True):
    """A query string or form body as {name: its last value}."""
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=keep_blank_values).items()}


def parse_json(raw):
    """The JSON value of a UTF-8 body, or None (no body, or not JSON)."""
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


class Handler(BaseHTTPRequestHandler):
    """The fakes' request handler: no stderr log (the request log replaces it), body reading and answers.
    A fake sets protocol_version, server_version and sys_version as the server it imitates answers."""

    json_content_type = "application/json"
    json_newline = False  # a "\n" after each JSON body

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        """The request body: Content-Length bytes, or a chunked body, or b""."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def sent_headers(self, names):
        """{name: value} of the headers `names` (lower-cased) that the request has."""
        return {name: self.headers.get(name) for name in names if self.headers.get(name) is not None}

    def pause(self, path):
        """Waits the delay the test set, unless `path` is one of the test's own calls."""
        if self.server.delay and not path.startswith(CONTROL_PREFIX):
            time.sleep(self.server.delay)

    def control_delay(self, parts):
        """POST /_fake/delay/SECONDS (`parts` after `_fake`): every later request but the test's own waits
        that long. The answer, or None for another request."""
        if self.command == "POST" and len(parts) == 2 and parts[0] == "delay":
            self.server.delay = float(parts[1])
            return 200, {"delay": self.server.delay}, {}
        return None

    def send_body(self, code, data, content_type, headers=()):
        """The status, Content-Type, Content-Length, then `headers` ((name, value) pairs) and the body
        (none for HEAD)."""
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, code, body, headers=()):
        data = json.dumps(body) + ("\n" if self.json_newline else "")
        self.send_body(code, data.encode(), self.json_content_type, headers)

    def send_text(self, code, text, content_type="text/plain; charset=utf-8", headers=()):
        self.send_body(code, text.encode(), content_type, headers)

    def answer(self, route, record, fallback):
        """Answers with `route()`'s (status, body, extra headers), or the Reply it raises, through
        self.reply(status, body, headers); `fallback` is the 500's body if it fails otherwise (the error
        goes on to the server's stderr). `record(status, body)` goes to the request log first."""
        status, body, headers = 500, fallback, {}
        try:
            status, body, headers = route()
        except Reply as reply:
            status, body, headers = reply.code, reply.body, reply.headers
        finally:
            self.server.request_log.record(record(status, body))
            self.reply(status, body, headers)


class RoutingHandler(Handler):
    """Every method a client may send (GET, HEAD, POST, PUT, PATCH, DELETE) goes to self.handle_request()."""

    def do_GET(self):
        self.handle_request()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET
