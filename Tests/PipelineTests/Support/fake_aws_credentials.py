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
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in the Swift test target
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_server  # noqa: E402  (beside this script)

ROLE = "autopilot-bastion"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def main():
    parser = argparse.ArgumentParser()
    fake_server.add_log_option(parser)
    parser.add_argument("--web-identity-token", default="eyJ.web-identity.token")
    parser.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/autopilot")
    parser.add_argument("--pod-token", default="pod-identity-token")
    args = parser.parse_args()
    log = fake_server.open_log("fake_aws_credentials", args.log)

    class Handler(fake_server.Handler):
        protocol_version = "HTTP/1.1"

        def body(self):
            return self.read_body().decode()

        @staticmethod
        def credentials(source):
            return {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": f"ASIA{source.upper()}EXAMPLE",
                    "SecretAccessKey": SECRET, "Token": f"{source}-session-token",
                    "Expiration": "2099-01-01T00:00:00Z", "LastUpdated": "2026-01-01T00:00:00Z"}

        def do_POST(self):
            log.line(f"POST {self.path}")
            form = fake_server.last_values(self.body(), keep_blank_values=False)
            if self.path != "/" or form.get("Action") != "AssumeRoleWithWebIdentity" or form.get("Version") != "2011-06-15":
                return self.send_text(400, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>unknown action</Message></Error></ErrorResponse>", "text/xml")
            if form.get("WebIdentityToken") != args.web_identity_token or form.get("RoleArn") != args.role_arn \
                    or not form.get("RoleSessionName"):
                return self.send_text(400, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
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
            return self.send_text(200, xml, "text/xml")

        def do_PUT(self):
            log.line(f"PUT {self.path}")
            self.body()
            if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.send_text(400, "", "text/plain")
            return self.send_text(200, "imds-session", "text/plain")

        def do_GET(self):
            log.line(f"GET {self.path}")
            if self.path == "/v1/credentials":
                if self.headers.get("Authorization") != args.pod_token:
                    return self.send_json(401, {"Message": "invalid token"})
                return self.send_json(200, self.credentials("pod"))
            prefix = "/latest/meta-data/iam/security-credentials/"
            if self.path.startswith(prefix):
                if self.headers.get("X-aws-ec2-metadata-token") != "imds-session":
                    return self.send_text(401, "", "text/plain")
                role = self.path[len(prefix):]
                if role == "":
                    return self.send_text(200, ROLE, "text/plain")
                if role == ROLE:
                    return self.send_json(200, self.credentials("imds"))
            return self.send_text(404, "", "text/plain")

    server = fake_server.listen("fake_aws_credentials", 0, fake_server.Server, Handler, log)
    return fake_server.serve(server)


if __name__ == "__main__":
    sys.exit(main())
