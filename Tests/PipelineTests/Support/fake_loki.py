"""A stand-in for Grafana Loki's query API (Loki is not packaged for Debian): serves a recorded
`query_range` answer and appends each request's path and query parameters, as JSON, to a log file.

Usage: fake_loki.py PORT RESPONSE_FILE REQUEST_LOG [--fail]   (--fail: answer 500 to everything)
PORT 0 lets the system choose; the port listened on is printed as the first line of stdout.
"""
import http.server
import json
import sys
import urllib.parse

port, response_file, request_log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fail = "--fail" in sys.argv[4:]
body = open(response_file, "rb").read()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        with open(request_log, "a") as log:
            log.write(json.dumps({"path": url.path, "params": dict(urllib.parse.parse_qsl(url.query)),
                                  "authorization": self.headers.get("Authorization")}) + "\n")
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
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
