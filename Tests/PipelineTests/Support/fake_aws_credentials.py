#!/usr/bin/env python3
"""A stand-in for the three AWS credential sources collect-metrics can take SigV4 credentials from,
on one port, each answering as AWS documents it:

  POST /                                          STS AssumeRoleWithWebIdentity (form body, unsigned);
                                                  XML credentials when WebIdentityToken is --web-identity-token
                                                  and RoleArn is --role-arn, else 400 with STS's error XML
  GET  /v1/credentials                            the container credentials endpoint (EKS Pod Identity):
                                                  JSON when Authorization is --pod-token, else 401
  PUT  /latest/api/token                          IMDSv2's session token (needs the TTL header)
  GET  /latest/meta-data/iam/security-credentials/[ROLE]   the instance profile's role, then its credentials
                                                  (needs the session token header)

Each source's access key id names it (ASIASTSEXAMPLE, ASIAPODEXAMPLE, ASIAIMDSEXAMPLE) and its session
token is "<source>-session-token". It prints `LISTENING <port>`, logs `METHOD PATH` per request to --log
and stops on SIGTERM."""
import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ROLE = "autopilot-bastion"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--web-identity-token", default="eyJ.web-identity.token")
    parser.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/autopilot")
    parser.add_argument("--pod-token", default="pod-identity-token")
    args = parser.parse_args()
    log = open(args.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status, body, content_type="application/json"):
            data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        @staticmethod
        def credentials(source):
            return {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": f"ASIA{source.upper()}EXAMPLE",
                    "SecretAccessKey": SECRET, "Token": f"{source}-session-token",
                    "Expiration": "2099-01-01T00:00:00Z", "LastUpdated": "2026-01-01T00:00:00Z"}

        def do_POST(self):
            log.write(f"POST {self.path}\n")
            form = {k: v[-1] for k, v in parse_qs(self.body()).items()}
            if self.path != "/" or form.get("Action") != "AssumeRoleWithWebIdentity" or form.get("Version") != "2011-06-15":
                return self.reply(400, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>unknown action</Message></Error></ErrorResponse>", "text/xml")
            if form.get("WebIdentityToken") != args.web_identity_token or form.get("RoleArn") != args.role_arn \
                    or not form.get("RoleSessionName"):
                return self.reply(400, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                                       "<Code>InvalidIdentityToken</Code><Message>Couldn't retrieve verification key from your "
                                       "identity provider</Message></Error><RequestId>fake</RequestId></ErrorResponse>", "text/xml")
            c = self.credentials("sts")
            xml = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                   "<AssumeRoleWithWebIdentityResult><Audience>sts.amazonaws.com</Audience>"
                   f"<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:{form['RoleSessionName']}</AssumedRoleId>"
                   f"<Arn>{args.role_arn}/{form['RoleSessionName']}</Arn></AssumedRoleUser>"
                   f"<Credentials><AccessKeyId>{c['AccessKeyId']}</AccessKeyId><SecretAccessKey>{c['SecretAccessKey']}</SecretAccessKey>"
                   f"<SessionToken>{c['Token']}</SessionToken><Expiration>{c['Expiration']}</Expiration></Credentials>"
                   "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>"
                   "</AssumeRoleWithWebIdentityResponse>")
            return self.reply(200, xml, "text/xml")

        def do_PUT(self):
            log.write(f"PUT {self.path}\n")
            self.body()
            if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "", "text/plain")
            return self.reply(200, "imds-session", "text/plain")

        def do_GET(self):
            log.write(f"GET {self.path}\n")
            if self.path == "/v1/credentials":
                if self.headers.get("Authorization") != args.pod_token:
                    return self.reply(401, {"Message": "invalid token"})
                return self.reply(200, self.credentials("pod"))
            prefix = "/latest/meta-data/iam/security-credentials/"
            if self.path.startswith(prefix):
                if self.headers.get("X-aws-ec2-metadata-token") != "imds-session":
                    return self.reply(401, "", "text/plain")
                role = self.path[len(prefix):]
                if role == "":
                    return self.reply(200, ROLE, "text/plain")
                if role == ROLE:
                    return self.reply(200, self.credentials("imds"))
            return self.reply(404, "", "text/plain")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
