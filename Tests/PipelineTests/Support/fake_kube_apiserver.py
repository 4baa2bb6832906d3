#!/usr/bin/env python3
"""A fake Kubernetes API server, good enough for the real kubectl's `get` and `auth can-i` (stdlib only).

Serves legacy discovery (/api, /apis, /api/v1, /apis/G/V), typed lists with limit/continue
chunking, single objects, a minimal server-side Table, and Status errors, all from fixture
files `<resource>.json` that hold what `kubectl get <resource> -A -o json` prints. Also answers
SelfSubjectAccessReview creates (`kubectl auth can-i`): allowed, unless `--deny` names the resource.
See README.md beside this file.
"""

import argparse
import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit

sys.dont_write_bytecode = True  # no __pycache__ left in the Swift test target
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_server  # noqa: E402  (beside this script)

NAME = "fake_kube_apiserver"
RESOURCE_VERSION = "12345"
DEFAULT_USER = "system:serviceaccount:autopilot:collector"
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# plural: (group, version, kind, namespaced, shortNames, categories)
RESOURCES = {
    "namespaces": ("", "v1", "Namespace", False, ["ns"], []),
    "nodes": ("", "v1", "Node", False, ["no"], []),
    "pods": ("", "v1", "Pod", True, ["po"], ["all"]),
    "services": ("", "v1", "Service", True, ["svc"], ["all"]),
    "events": ("", "v1", "Event", True, ["ev"], []),
    "persistentvolumes": ("", "v1", "PersistentVolume", False, ["pv"], []),
    "persistentvolumeclaims": ("", "v1", "PersistentVolumeClaim", True, ["pvc"], []),
    "deployments": ("apps", "v1", "Deployment", True, ["deploy"], ["all"]),
    "statefulsets": ("apps", "v1", "StatefulSet", True, ["sts"], ["all"]),
    "daemonsets": ("apps", "v1", "DaemonSet", True, ["ds"], ["all"]),
    "replicasets": ("apps", "v1", "ReplicaSet", True, ["rs"], ["all"]),
    "jobs": ("batch", "v1", "Job", True, [], ["all"]),
    "cronjobs": ("batch", "v1", "CronJob", True, ["cj"], ["all"]),
    "horizontalpodautoscalers": ("autoscaling", "v2", "HorizontalPodAutoscaler", True, ["hpa"], ["all"]),
    "poddisruptionbudgets": ("policy", "v1", "PodDisruptionBudget", True, ["pdb"], []),
    "storageclasses": ("storage.k8s.io", "v1", "StorageClass", False, ["sc"], []),
    "scaledobjects": ("keda.sh", "v1alpha1", "ScaledObject", True, ["so"], []),
    "nodepools": ("karpenter.sh", "v1", "NodePool", False, [], ["karpenter"]),
}
# Extra versions a group advertises after its preferred one; the same fixtures back them.
EXTRA_VERSIONS = {"autoscaling": ["v1"]}
# `kubectl auth can-i` creates one of these; kubectl 1.32 posts it without looking for the
# authorization.k8s.io group in discovery, so the group is not advertised there. kubectl sends it
# as protobuf (and takes JSON back); a JSON body is read too.
ACCESS_REVIEW_PATH = ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"]
ACCESS_REVIEW_KIND = "SelfSubjectAccessReview"
ACCESS_REVIEW_VERSION = "authorization.k8s.io/v1"
PROTOBUF = "application/vnd.kubernetes.protobuf"
PROTOBUF_MAGIC = b"k8s\x00"
# Field numbers (k8s.io/api/authorization/v1/generated.proto) -> JSON names.
RESOURCE_ATTRIBUTES = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}
NON_RESOURCE_ATTRIBUTES = {1: "path", 2: "verb"}

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 422: "Invalid",
           429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
           504: "Timeout"}
NO_CACHE = [("Cache-Control", "no-cache, private")]  # on every answer, as the real API server sends it


class Failure(Exception):
    """An error answered as a metav1 Status object."""

    def __init__(self, code, message, reason=None, details=None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details
        self.reason = reason or REASONS.get(code, "InternalError")

    def body(self):
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": self.message, "reason": self.reason}
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status


def not_found_path():
    return Failure(404, "the server could not find the requested resource", details={})


class Cluster:
    """Fixtures and options; read-only once built, so handler threads share it freely."""

    def __init__(self, fixtures_dir, omit, fail, token, user, deny=()):
        self.token, self.user, self.fail = token, user, fail
        self.deny = set(deny)
        self.items = {}
        if not os.path.isdir(fixtures_dir):
            raise ValueError(f"{fixtures_dir}: not a directory")
        for plural in RESOURCES:
            path = os.path.join(fixtures_dir, plural + ".json")
            if plural in omit or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                try:
                    doc = json.load(f)
                except ValueError as error:
                    raise ValueError(f"{path}: {error}") from None
            items = doc.get("items") if isinstance(doc, dict) else None
            if not isinstance(items, list):
                raise ValueError(f"{path}: no \"items\" array")
            self.items[plural] = items

    def served(self, group, version):
        """Plurals served at group/version, in RESOURCES order."""
        return [p for p, r in RESOURCES.items() if p in self.items and r[0] == group
                and (r[1] == version or version in EXTRA_VERSIONS.get(group, []))]

    def groups(self):
        names = []
        for p, r in RESOURCES.items():
            if r[0] and p in self.items and r[0] not in names:
                names.append(r[0])
        return names

    def denies(self, resource):
        """True when --deny names `resource` (a plural; `plural.group`, as kubectl sends a type that
        discovery did not resolve, counts as the plural) or is `*`; a review of resource `*` is
        denied by any --deny. Non-resource reviews (resource None) only by `*`."""
        if "*" in self.deny:
            return True
        if resource is None:
            return False
        return resource.split(".", 1)[0] in self.deny or (resource == "*" and bool(self.deny))


def group_version(group, version):
    return f"{group}/{version}" if group else version


def api_group(group):
    preferred = next(r[1] for r in RESOURCES.values() if r[0] == group)
    versions = [preferred] + EXTRA_VERSIONS.get(group, [])
    entries = [{"groupVersion": group_version(group, v), "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def resource_list(cluster, group, version):
    resources = []
    for plural in cluster.served(group, version):
        _, _, kind, namespaced, short, categories = RESOURCES[plural]
        entry = {"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
                 "kind": kind, "verbs": VERBS}
        if short:
            entry["shortNames"] = short
        if categories:
            entry["categories"] = categories
        resources.append(entry)
    if not resources:
        raise not_found_path()
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": group_version(group, version), "resources": resources}


def protobuf_fields(data):
    """{field number: last length-delimited value} of one protobuf message (other wire types skipped)."""
    fields, i = {}, 0

    def varint():
        nonlocal i
        value = shift = 0
        while True:
            if i >= len(data):
                raise ValueError("truncated varint")
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        elif wire == 2:
            size = varint()
            if i + size > len(data):
                raise ValueError(f"field {number} runs past the end")
            fields[number] = data[i:i + size]
            i += size
        else:
            raise ValueError(f"unsupported wire type {wire}")
    if i > len(data):
        raise ValueError("truncated message")
    return fields


def protobuf_strings(data, names):
    """The non-empty string fields of a message, by JSON name (what Go's omitempty JSON would hold)."""
    fields = protobuf_fields(data)
    return {name: fields[n].decode("utf-8") for n, name in names.items() if fields.get(n)}


def access_review_from_protobuf(data):
    """A SelfSubjectAccessReview in the k8s protobuf envelope (magic + runtime.Unknown) as its JSON form."""
    if not data.startswith(PROTOBUF_MAGIC):
        raise ValueError("no k8s protobuf prefix")
    envelope = protobuf_fields(data[len(PROTOBUF_MAGIC):])
    type_meta = protobuf_strings(envelope.get(1, b""), {1: "apiVersion", 2: "kind"})
    review = protobuf_fields(envelope.get(2, b""))
    spec_fields, spec = protobuf_fields(review.get(2, b"")), {}
    if 1 in spec_fields:
        spec["resourceAttributes"] = protobuf_strings(spec_fields[1], RESOURCE_ATTRIBUTES)
    if 2 in spec_fields:
        spec["nonResourceAttributes"] = protobuf_strings(spec_fields[2], NON_RESOURCE_ATTRIBUTES)
    return dict(type_meta, metadata={}, spec=spec)


def parse_selector(text, what):
    """Equality-based selector terms: k=v, k==v, k!=v, k, !k (set-based ones are refused)."""
    terms = []
    for raw in filter(None, (t.strip() for t in text.split(","))):
        if " in " in raw or " notin " in raw or "(" in raw:
            raise Failure(400, f"unsupported {what} in fake apiserver: {raw!r}")
        if "!=" in raw:
            k, v = raw.split("!=", 1)
            terms.append((k.strip(), "!=", v.strip()))
        elif "=" in raw:
            k, v = raw.replace("==", "=").split("=", 1)
            terms.append((k.strip(), "=", v.strip()))
        elif raw.startswith("!"):
            terms.append((raw[1:].strip(), "!", None))
        else:
            terms.append((raw, "exists", None))
    return terms


def matches(values, terms):
    for key, op, want in terms:
        have = values.get(key)
        if (op == "=" and have != want) or (op == "!=" and have == want) \
                or (op == "!" and key in values) or (op == "exists" and key not in values):
            return False
    return True


def field_values(item):
    meta = item.get("metadata") or {}
    return {"metadata.name": meta.get("name", ""), "metadata.namespace": meta.get("namespace", "")}


def table(items, kind):
    """A meta.k8s.io/v1 Table with the generic Name/Created At columns (what CRDs get)."""
    columns = [
        {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0},
        {"name": "Created At", "type": "date", "format": "", "description": "Creation timestamp", "priority": 0},
    ]
    rows = []
    for item in items:
        meta = item.get("metadata") or {}
        rows.append({"cells": [meta.get("name", ""), meta.get("creationTimestamp")],
                     "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                "metadata": meta}})
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": RESOURCE_VERSION},
            "columnDefinitions": columns, "rows": rows}


class Handler(fake_server.RoutingHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver"
    sys_version = ""

    def handle_request(self):
        cluster = self.server.cluster
        self.server.request_log.line(f"{self.command} {self.path}")
        data = self.read_body()
        try:
            if cluster.token is not None and self.headers.get("Authorization") != f"Bearer {cluster.token}":
                raise Failure(401, "Unauthorized")
            url = urlsplit(self.path)
            query = fake_server.last_values(url.query)
            parts = [s for s in url.path.split("/") if s]
            if parts == ACCESS_REVIEW_PATH:
                if self.command != "POST":
                    raise Failure(405, "the server does not allow this method on the requested resource")
                self.send_json(201, self.access_review(data, self.headers.get("Content-Type")), NO_CACHE)
                return
            body = self.route(parts, query)
            if self.command not in ("GET", "HEAD"):
                raise Failure(405, "the server does not allow this method on the requested resource")
            if isinstance(body, str):
                self.send_text(200, body, headers=NO_CACHE)
            else:
                self.send_json(200, body, NO_CACHE)
        except Failure as failure:
            self.send_json(failure.code, failure.body(), NO_CACHE)

    def access_review(self, data, content_type):
        """The posted SelfSubjectAccessReview (JSON, or kubectl's protobuf) with its status, as JSON:
        allowed unless --deny names its resource."""
        media = (content_type or "").split(";")[0].strip().lower()
        if media == PROTOBUF:
            try:
                review = access_review_from_protobuf(data)
            except (ValueError, UnicodeDecodeError) as error:
                raise Failure(400, f"the body of the request could not be decoded as protobuf: {error}")
        elif media == "application/json":
            try:
                review = json.loads(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                raise Failure(400, f"couldn't get version/kind; json parse error: {error}")
        else:
            raise Failure(415, f"the body of the request was in an unknown format - accepted media types include: "
                               f"application/json, {PROTOBUF}", reason="UnsupportedMediaType")
        if not isinstance(review, dict):
            raise Failure(400, "couldn't get version/kind; json parse error: not a JSON object")
        if review.get("apiVersion", ACCESS_REVIEW_VERSION) != ACCESS_REVIEW_VERSION:
            raise Failure(400, f"the API version in the data ({review['apiVersion']}) does not match the expected "
                               f"API version ({ACCESS_REVIEW_VERSION})")
        if review.get("kind", ACCESS_REVIEW_KIND) != ACCESS_REVIEW_KIND:
            raise Failure(400, f"the kind in the data ({review['kind']}) does not match the expected kind "
                               f"({ACCESS_REVIEW_KIND})")
        spec = review.get("spec") if isinstance(review.get("spec"), dict) else {}
        resource_attributes, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
        if isinstance(resource_attributes, dict) == isinstance(non_resource, dict):
            raise Failure(422, f'{ACCESS_REVIEW_KIND}.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
                               'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes '
                               'must be specified',
                          details={"group": "authorization.k8s.io", "kind": ACCESS_REVIEW_KIND,
                                   "causes": [{"reason": "FieldValueInvalid", "field": "spec.resourceAttributes",
                                               "message": "exactly one of nonResourceAttributes or "
                                                          "resourceAttributes must be specified"}]})
        resource = resource_attributes.get("resource", "") if isinstance(resource_attributes, dict) else None
        allowed = not self.server.cluster.denies(resource)
        answer = dict(review, kind=ACCESS_REVIEW_KIND, apiVersion=ACCESS_REVIEW_VERSION)
        answer["status"] = {"allowed": allowed,
                            "reason": "allowed by the fake apiserver" if allowed else "denied by --deny"}
        return answer

    def route(self, parts, query):
        cluster = self.server.cluster
        if parts in (["healthz"], ["readyz"], ["livez"]):
            return "ok"
        if parts == ["version"]:
            return {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "fake",
                    "gitTreeState": "clean", "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.3",
                    "compiler": "gc", "platform": "linux/amd64"}
        # Aggregated discovery (Accept: ...;as=APIGroupDiscoveryList) is answered with plain
        # application/json, which client-go takes as "not supported" and reads as legacy discovery.
        if parts == ["api"]:
            host = f"127.0.0.1:{self.server.server_address[1]}"
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]}
        if parts == ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [api_group(g) for g in cluster.groups()]}
        if parts[:1] == ["api"] and parts[1:2] == ["v1"]:
            return self.route_group("", "v1", parts[2:], query)
        if parts[:1] == ["apis"] and len(parts) >= 3:
            return self.route_group(parts[1], parts[2], parts[3:], query)
        if parts[:1] == ["apis"] and len(parts) == 2 and parts[1] in cluster.groups():
            return dict(api_group(parts[1]), kind="APIGroup", apiVersion="v1")
        raise not_found_path()  # /openapi/v2, /openapi/v3 and anything else

    def route_group(self, group, version, rest, query):
        cluster = self.server.cluster
        if not rest:
            return resource_list(cluster, group, version)
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name = rest[0], (rest[1] if len(rest) >= 2 else None)
        if len(rest) > 2 or plural not in cluster.served(group, version):
            raise not_found_path()
        g, _, kind, namespaced, _, _ = RESOURCES[plural]
        if namespace is not None and not namespaced:
            raise not_found_path()
        verb = "get" if name else ("watch" if query.get("watch") in ("1", "true") else "list")
        self.check_fail(plural, g, verb, namespace, name)
        if verb == "watch":
            raise Failure(405, "watch is not supported by the fake apiserver", reason="MethodNotAllowed")
        items = cluster.items[plural]
        if namespace is not None:
            items = [i for i in items if (i.get("metadata") or {}).get("namespace") == namespace]
        if name is not None:
            found = [i for i in items if (i.get("metadata") or {}).get("name") == name]
            if not found:
                raise Failure(404, f'{plural}{"." + g if g else ""} "{name}" not found',
                              details={"name": name, "group": g, "kind": plural} if g else
                              {"name": name, "kind": plural})
            obj = dict(found[0])
            obj.setdefault("apiVersion", group_version(group, version))
            obj.setdefault("kind", kind)
            if "as=Table" in self.headers.get("Accept", ""):
                return table([obj], kind)
            return obj
        return self.list_items(items, kind, group, version, query)

    def check_fail(self, plural, group, verb, namespace, name):
        code = self.server.cluster.fail.get(plural)
        if code is None:
            return
        resource = f"{plural}.{group}" if group else plural
        if code == 403:
            scope = f'in the namespace "{namespace}"' if namespace is not None else "at the cluster scope"
            target = f'{resource} "{name}"' if name else resource
            details = {"name": name} if name else {}
            if group:
                details["group"] = group
            details["kind"] = plural
            raise Failure(403, f'{target} is forbidden: User "{self.server.cluster.user}" cannot {verb} '
                               f'resource "{plural}" in API group "{group}" {scope}', details=details)
        if code == 500:
            raise Failure(500, f"Internal error occurred: fake failure listing {resource}",
                          details={"causes": [{"message": f"fake failure listing {resource}"}]})
        raise Failure(code, f"fake failure ({code}) for {resource}")

    def list_items(self, items, kind, group, version, query):
        if query.get("labelSelector"):
            terms = parse_selector(query["labelSelector"], "labelSelector")
            items = [i for i in items if matches((i.get("metadata") or {}).get("labels") or {}, terms)]
        if query.get("fieldSelector"):
            terms = parse_selector(query["fieldSelector"], "fieldSelector")
            for key, _, _ in terms:
                if key not in ("metadata.name", "metadata.namespace"):
                    raise Failure(400, f'field label not supported: {key}')
            items = [i for i in items if matches(field_values(i), terms)]
        start = 0
        if query.get("continue"):
            try:
                token = json.loads(base64.urlsafe_b64decode(query["continue"].encode()))
                start = int(token["start"])
            except (ValueError, KeyError, TypeError):
                raise Failure(400, "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            raise Failure(400, f"invalid limit: {query['limit']!r}")
        end = start + limit if limit > 0 else len(items)
        page, metadata = items[start:end], {"resourceVersion": RESOURCE_VERSION}
        if end < len(items):
            token = {"v": "meta.k8s.io/v1", "rv": int(RESOURCE_VERSION), "start": end}
            metadata["continue"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
            metadata["remainingItemCount"] = len(items) - end
        if "as=Table" in self.headers.get("Accept", ""):
            result = table(page, kind)
            result["metadata"] = metadata
            return result
        stripped = [{k: v for k, v in i.items() if k not in ("apiVersion", "kind")} for i in page]
        return {"kind": kind + "List", "apiVersion": group_version(group, version),
                "metadata": metadata, "items": stripped}


class Server(fake_server.Server):
    def __init__(self, port, cluster, request_log):
        super().__init__(port, Handler, request_log)
        self.cluster = cluster


def tls_context(cert_out):
    """A server context with a fresh P-256 key and self-signed certificate for 127.0.0.1."""
    workdir = tempfile.mkdtemp(prefix="fake-kube-tls-")
    try:
        key, cert = os.path.join(workdir, "key.pem"), os.path.join(workdir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=fake-kube-apiserver",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        if cert_out:
            shutil.copyfile(cert, cert_out)
        return context
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Fake Kubernetes API server for kubectl-driven tests.")
    parser.add_argument("--fixtures", required=True, help="directory of <resource>.json files")
    fake_server.add_port_option(parser)
    parser.add_argument("--omit", action="append", default=[], metavar="RESOURCE",
                        help="leave RESOURCE out of discovery, as if its CRD were not installed")
    parser.add_argument("--fail", action="append", default=[], metavar="RESOURCE=STATUS",
                        help="answer requests for RESOURCE with an error Status (403, 500, ...)")
    fake_server.add_log_option(parser, "append 'METHOD PATH?QUERY' per request", required=False)
    parser.add_argument("--token", help="require 'Authorization: Bearer TOKEN'")
    parser.add_argument("--user", default=DEFAULT_USER, help="user named in 403 messages")
    parser.add_argument("--deny", action="append", default=[], metavar="RESOURCE",
                        help="answer SelfSubjectAccessReviews (kubectl auth can-i) for RESOURCE (a plural, any "
                             "group; '*' for every review) with allowed: false; everything else is allowed")
    parser.add_argument("--tls", action="store_true",
                        help="serve HTTPS with a throwaway self-signed certificate (needs the openssl CLI); "
                             "kubectl sends kubeconfig credentials only over TLS")
    parser.add_argument("--tls-cert-out", metavar="FILE", help="with --tls, write the certificate (PEM) here")
    args = parser.parse_args(argv)
    for name in args.omit:
        if name not in RESOURCES:
            parser.error(f"--omit: unknown resource {name!r}")
    fail = {}
    for spec in args.fail:
        name, _, status = spec.partition("=")
        if name not in RESOURCES or not status.isdigit() or not 400 <= int(status) <= 599:
            parser.error(f"--fail: expected RESOURCE=STATUS with a known resource and a 4xx/5xx status, got {spec!r}")
        fail[name] = int(status)
    args.fail = fail
    if any(not name for name in args.deny):
        parser.error("--deny: expected a resource (plural) or '*'")
    return args


def main(argv):
    args = parse_args(argv)
    try:
        cluster = Cluster(args.fixtures, set(args.omit), args.fail, args.token, args.user, args.deny)
    except (OSError, ValueError) as error:
        fake_server.fail(NAME, str(error), 66)
    request_log = fake_server.open_log(NAME, args.log or None)  # no --log (or an empty one): none
    server = fake_server.listen(NAME, args.port, Server, cluster, request_log)
    if args.tls:
        try:
            server.socket = tls_context(args.tls_cert_out).wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False)
        except (OSError, subprocess.CalledProcessError, ssl.SSLError) as error:
            fake_server.fail(NAME, f"cannot set up TLS: {error}", 69)
    return fake_server.serve(server)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
