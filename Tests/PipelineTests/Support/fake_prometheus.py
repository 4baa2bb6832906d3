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
import os
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ left in the Swift test target
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_server  # noqa: E402  (beside this script)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True)
    fake_server.add_log_option(parser)
    parser.add_argument("--log-auth", action="store_true")
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"requests": 0}
    fail_first = int(args.mode.split(":")[1]) if args.mode.startswith("fail-first:") else 0
    log = fake_server.open_log("fake_prometheus", args.log)

    class Handler(fake_server.Handler):
        def do_POST(self):
            if args.mode == "refuse-early":
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length", "0"))
            self.read_body()
            with lock:
                state["requests"] += 1
                count = state["requests"]
                line = f"POST {self.path} {self.headers.get('Content-Type')} {length}"
                if args.log_auth:
                    line += f" | {self.headers.get('Authorization')} | {self.headers.get('X-Amz-Date')}"
                    if self.headers.get('X-Amz-Security-Token'):
                        line += f" | {self.headers.get('X-Amz-Security-Token')}"
                log.line(line)
            if not self.path.startswith("/api/v1/query"):
                return self.send_json(404, {"status": "error", "errorType": "not_found", "error": "not found"})
            if args.mode == "error":
                return self.send_json(400, {"status": "error", "errorType": "bad_data",
                                            "error": "invalid parameter \"query\": 1:1: parse error: unexpected character"})
            if count <= fail_first:
                return self.send_json(500, {"status": "error", "errorType": "internal", "error": "injected failure"})
            result_type = "matrix" if self.path.endswith("query_range") else "vector"
            return self.send_json(200, {"status": "success", "data": {"resultType": result_type, "result": []}})

        def do_GET(self):
            if args.mode == "refuse-early":
                return self.send_text(401, "Unauthorized\n", "text/plain")
            return self.do_POST()

    server = fake_server.listen("fake_prometheus", 0, fake_server.Server, Handler, log)
    return fake_server.serve(server)


if __name__ == "__main__":
    sys.exit(main())
