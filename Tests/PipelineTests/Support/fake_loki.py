"""A stand-in for Grafana Loki's query API (Loki is not packaged for Debian): serves a recorded
`query_range` answer and appends each request's path and query parameters, as JSON, to a log file.

Usage: fake_loki.py PORT RESPONSE_FILE REQUEST_LOG [--fail]   (--fail: answer 500 to everything)
PORT 0 lets the system choose; the port listened on is printed as the first line of stdout.
"""
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ left in the Swift test target
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_server  # noqa: E402  (beside this script)


def main():
    port, response_file, request_log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    fail = "--fail" in sys.argv[4:]
    body = open(response_file, "rb").read()
    # Opened for each request: FakeLoki.swift deletes the log after its readiness probes.
    log = fake_server.RequestLog(request_log, reopen=True)

    class Handler(fake_server.Handler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            log.record({"path": url.path, "params": fake_server.last_values(url.query, keep_blank_values=False),
                        "authorization": self.headers.get("Authorization")})
            if url.path == "/ready":
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ready\n")
                return
            if fail or url.path != "/loki/api/v1/query_range":
                self.send_response(500 if fail else 404)
                self.end_headers()
                self.wfile.write(b"internal error\n" if fail else b"404 page not found\n")
                return
            self.send_body(200, body, "application/json; charset=UTF-8")

    server = fake_server.listen("fake_loki", port, fake_server.Server, Handler)
    return fake_server.serve(server, announce="{port}")


if __name__ == "__main__":
    sys.exit(main())
