#!/usr/bin/env python3
"""A stand-in Prometheus HTTP API for collect-metrics' failure tests (the happy path runs against the
real Prometheus). It answers /api/v1/query and /api/v1/query_range according to --mode:

  empty          every query succeeds with an empty result
  fail-first:N   the first N requests get HTTP 500, later ones an empty result
  error          every query gets HTTP 400 with Prometheus's error body (bad_data)
  refuse-early   as a server refusing the credentials before reading the body can look to the client:
                 a POST's connection is dropped unanswered; a GET gets HTTP 401

It prints `LISTENING <port>` once ready, logs `METHOD PATH CONTENT-TYPE BODY-LENGTH` per request to
--log (and, with --log-auth, the Authorization, X-Amz-Date and X-Amz-Security-Token headers), and stops
on SIGTERM."""
import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--log-auth", action="store_true")
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"requests": 0}
    fail_first = int(args.mode.split(":")[1]) if args.mode.startswith("fail-first:") else 0
    log = open(args.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            if args.mode == "refuse-early":
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            with lock:
                state["requests"] += 1
                count = state["requests"]
                line = f"POST {self.path} {self.headers.get('Content-Type')} {length}"
                if args.log_auth:
                    line += f" | {self.headers.get('Authorization')} | {self.headers.get('X-Amz-Date')}"
                    if self.headers.get('X-Amz-Security-Token'):
                        line += f" | {self.headers.get('X-Amz-Security-Token')}"
                log.write(line + "\n")
            if not self.path.startswith("/api/v1/query"):
                return self.answer(404, {"status": "error", "errorType": "not_found", "error": "not found"})
            if args.mode == "error":
                return self.answer(400, {"status": "error", "errorType": "bad_data",
                                         "error": "invalid parameter \"query\": 1:1: parse error: unexpected character"})
            if count <= fail_first:
                return self.answer(500, {"status": "error", "errorType": "internal", "error": "injected failure"})
            result_type = "matrix" if self.path.endswith("query_range") else "vector"
            return self.answer(200, {"status": "success", "data": {"resultType": result_type, "result": []}})

        def do_GET(self):
            if args.mode == "refuse-early":
                data = b"Unauthorized\n"
                self.send_response(401)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            return self.do_POST()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
