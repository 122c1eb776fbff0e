"""An in-memory stand-in for the AWX REST API (v2), enough for playbooks/awx_configure.yml.

No AWX can run on these machines. This server keeps objects the way AWX's API hands them to the
awx.awx modules (id, type, url, related links, list views with count/next/results and field
filters, association sub-lists, survey specs, approval templates of workflow nodes, encrypted
credential inputs) so that the configuration playbook runs for real against it: a first run
creates everything, a second changes nothing, check mode writes nothing. It checks nothing of AWX's
own validation (a playbook missing from the project, a credential type's required inputs): the
definition tests in test_awx_configuration.py cover what refers to what.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

API = "/api/v2/"
TYPES = {
    "organizations": "organization",
    "labels": "label",
    "execution_environments": "execution_environment",
    "credential_types": "credential_type",
    "credentials": "credential",
    "projects": "project",
    "inventories": "inventory",
    "inventory_sources": "inventory_source",
    "job_templates": "job_template",
    "schedules": "schedule",
    "workflow_job_templates": "workflow_job_template",
    "workflow_job_template_nodes": "workflow_job_template_node",
    "workflow_approval_templates": "workflow_approval_template",
    "project_updates": "project_update",
}
# What unified_job_templates lists (schedules and workflow nodes look templates up there).
UNIFIED = ("projects", "inventory_sources", "job_templates", "workflow_job_templates", "workflow_approval_templates")
ASSOCIATIONS = {
    "job_templates": ("credentials", "labels", "instance_groups"),
    "workflow_job_templates": ("labels",),
    "workflow_job_template_nodes": ("success_nodes", "failure_nodes", "always_nodes", "credentials", "labels"),
    "organizations": ("galaxy_credentials", "instance_groups"),
    "inventories": ("instance_groups",),
}
SECRET_INPUTS = ("password", "ssh_key_data", "security_token", "secret")


class FakeAWX:
    def __init__(self):
        self.lock = threading.Lock()
        self.objects: dict[str, dict[int, dict]] = {endpoint: {} for endpoint in TYPES}
        self.links: dict[tuple[str, int, str], list[int]] = {}
        self.surveys: dict[int, dict] = {}
        self.secrets: dict[int, dict] = {}  # what credentials hold, never handed back
        self.requests: list[tuple[str, str]] = []
        self.next_id = 1
        for name, kind in (("Amazon Web Services", "cloud"), ("Source Control", "scm")):
            self._create("credential_types", {"name": name, "kind": kind, "managed": True})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def writes(self):
        return [r for r in self.requests if r[0] != "GET"]

    def find(self, endpoint, **fields):
        return [o for o in self.objects[endpoint].values() if all(o.get(k) == v for k, v in fields.items())]

    def linked(self, endpoint, oid, association):
        return list(self.links.get((endpoint, oid, association), []))

    def survey(self, template_id):
        return self.surveys.get(template_id)

    # -- the model ------------------------------------------------------------------------------
    def _create(self, endpoint, data):
        oid, self.next_id = self.next_id, self.next_id + 1
        obj = {k: v for k, v in data.items() if k != "inputs"}
        obj.update(id=oid, type=TYPES[endpoint], url=f"{API}{endpoint}/{oid}/")
        if endpoint == "credentials":
            self.secrets[oid] = dict(data.get("inputs") or {})
        related = {a: f"{obj['url']}{a}/" for a in ASSOCIATIONS.get(endpoint, ())}
        if endpoint == "job_templates":
            related["survey_spec"] = f"{obj['url']}survey_spec/"
        if endpoint == "projects":
            related["update"] = f"{obj['url']}update/"
        obj["related"], obj["summary_fields"] = related, {}
        self.objects[endpoint][oid] = obj
        if endpoint == "projects":
            # AWX syncs a new project at once; here the sync has already succeeded.
            update = self._create("project_updates", {"project": oid, "status": "successful"})
            obj["scm_revision"] = "0" * 40
            obj["summary_fields"]["current_update"] = {"id": update["id"], "status": "successful"}
        return self._view(endpoint, obj)

    def _view(self, endpoint, obj):
        out = json.loads(json.dumps(obj))
        if endpoint == "credentials":
            inputs = self.secrets.get(obj["id"], {})
            out["inputs"] = {k: ("$encrypted$" if k in SECRET_INPUTS else v) for k, v in inputs.items()}
        if endpoint == "workflow_job_template_nodes" and obj.get("unified_job_template"):
            ujt = obj["unified_job_template"]
            for kind in UNIFIED:
                if ujt in self.objects[kind]:
                    out["related"]["unified_job_template"] = f"{API}{kind}/{ujt}/"
        return out

    @staticmethod
    def _matches(obj, query):
        plain = {k: v for k, v in query.items() if not k.startswith("or__") and k not in ("page_size", "page")}
        either = {k[4:]: v for k, v in query.items() if k.startswith("or__")}
        if any(str(obj.get(k)) != v for k, v in plain.items()):
            return False
        return not either or any(str(obj.get(k)) == v for k, v in either.items())

    def _list(self, endpoint, query):
        kinds = UNIFIED if endpoint == "unified_job_templates" else (endpoint,)
        found = []
        for kind in kinds:
            for obj in self.objects[kind].values():
                view = self._view(kind, obj)
                if endpoint == "unified_job_templates":
                    view["type"] = TYPES[kind]
                if self._matches(view, query):
                    found.append(view)
        return {"count": len(found), "next": None, "previous": None, "results": found}

    def handle(self, method, path, query, body):
        self.requests.append((method, path))
        parts = [p for p in path[len(API) :].split("/") if p] if path.startswith(API) else []
        if not parts:
            return 404, {"detail": "Not found."}
        endpoint = parts[0]
        if endpoint not in TYPES and endpoint != "unified_job_templates":
            return 404, {"detail": f"unknown endpoint {endpoint}"}
        with self.lock:
            if len(parts) == 1:
                if method == "GET":
                    return 200, self._list(endpoint, query)
                if method == "POST":
                    return 201, self._create(endpoint, body)
                return 405, {"detail": "method not allowed"}
            oid = int(parts[1])
            obj = self.objects[endpoint].get(oid)
            if obj is None:
                return 404, {"detail": "Not found."}
            if len(parts) == 2:
                if method == "GET":
                    return 200, self._view(endpoint, obj)
                if method == "PATCH":
                    if endpoint == "credentials" and "inputs" in body:
                        self.secrets[oid] = dict(body["inputs"])
                    obj.update({k: v for k, v in body.items() if k != "inputs"})
                    return 200, self._view(endpoint, obj)
                if method == "DELETE":
                    del self.objects[endpoint][oid]
                    return 204, None
                return 405, {"detail": "method not allowed"}
            sub = parts[2]
            if sub == "survey_spec":
                if method == "GET":
                    return 200, self.surveys.get(oid, {})
                self.surveys[oid] = body
                return 200, {}
            if sub == "create_approval_template" and method == "POST":
                approval = self._create("workflow_approval_templates", body)
                obj["unified_job_template"] = approval["id"]
                return 201, approval
            if sub == "update" and method == "POST":
                return 202, {"id": 0, "url": f"{API}project_updates/0/"}
            if sub in ASSOCIATIONS.get(endpoint, ()):
                key = (endpoint, oid, sub)
                ids = self.links.setdefault(key, [])
                if method == "GET":
                    kind = "workflow_job_template_nodes" if sub.endswith("_nodes") else sub
                    results = [self._view(kind, self.objects[kind][i]) for i in ids if i in self.objects[kind]]
                    return 200, {"count": len(results), "next": None, "previous": None, "results": results}
                if body.get("disassociate"):
                    ids.remove(body["id"])
                elif body["id"] not in ids:
                    ids.append(body["id"])
                return 204, None
            return 404, {"detail": f"no sub-resource {sub}"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                status, payload = fake.handle(self.command, url.path, dict(parse_qsl(url.query)), body)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-API-Product-Name", "AWX")
                self.send_header("X-API-Product-Version", "24.6.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, *args):
                pass

        return Handler
