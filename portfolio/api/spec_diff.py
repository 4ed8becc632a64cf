"""What changed between two OpenAPI documents, and which changes break clients written against the older one
(generated clients above all). Used by tests/test_openapi_compat.py against the published snapshot
(openapi/v1.json) and by openapi/update_snapshot.py; not by the server.

A change is breaking when a request that worked may now fail, or an answer may no longer be read:
- a path or operation removed, an operationId renamed (generated clients name their functions by it);
- a parameter removed, made required or added as required; a request body made required; a request
  media type removed; a request field removed, made required, or added as required;
- a type (or a well-known format) changed, in a request or an answer;
- an enum value removed (anywhere), or added to something an answer carries (generated clients refuse
  values they do not know);
- null no longer accepted in a request, or newly possible in an answer;
- a request constraint tightened (maxLength, minLength, maximum, minimum, pattern);
- a success status, its media type, a field of its body or one of its headers removed; a field an answer
  always had made optional;
- security added to an operation that had none.
Everything else (new operations, optional parameters and fields, new statuses, wider answers) is listed as
a non-breaking change.
"""
from dataclasses import dataclass

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
KNOWN_FORMATS = {"date", "date-time", "binary", "byte", "int32", "int64", "float", "double", "uuid"}
TIGHTER = {"maxLength": min, "maximum": min, "minLength": max, "minimum": max}


@dataclass(frozen=True)
class Change:
    breaking: bool
    where: str
    what: str

    def __str__(self) -> str:
        return f"{'BREAKING' if self.breaking else 'changed'}: {self.where}: {self.what}"


class _Document:
    def __init__(self, spec: dict):
        self.spec = spec

    def resolve(self, node, seen=()):
        """A node with its $ref followed (refs inside it are left for later)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return {}
            seen = (*seen, ref)
            target = self.spec
            for part in ref.lstrip("#/").split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
            node = target
        return node if isinstance(node, dict) else {}

    def schema(self, node, seen=()) -> dict:
        """A schema with its $ref followed and allOf merged into one (properties, required and the rest)."""
        node = self.resolve(node, seen)
        if "allOf" not in node:
            return node
        merged: dict = {k: v for k, v in node.items() if k != "allOf"}
        properties = dict(merged.pop("properties", {}))
        required = list(merged.pop("required", []))
        for part in node["allOf"]:
            part = self.schema(part, seen)
            properties.update(part.get("properties", {}))
            required += [r for r in part.get("required", []) if r not in required]
            for key, value in part.items():
                if key not in ("properties", "required"):
                    merged.setdefault(key, value)
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    def operations(self) -> dict:
        out = {}
        for path, item in self.spec.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method in item:
                    out[method.upper(), path] = (item[method], shared)
        return out


def _types(schema: dict) -> frozenset:
    if "oneOf" in schema or "anyOf" in schema:
        return frozenset(str(s.get("type")) for s in schema.get("oneOf", schema.get("anyOf", [])))
    return frozenset([str(schema.get("type"))]) if "type" in schema else frozenset()


class _Comparison:
    def __init__(self, old: dict, new: dict):
        self.old, self.new = _Document(old), _Document(new)
        self.found: list[Change] = []

    def add(self, breaking: bool, where: str, what: str) -> None:
        self.found.append(Change(breaking, where, what))

    def schemas(self, old, new, where: str, direction: str, depth: int = 0) -> None:
        """direction: "request" (the new schema must accept what the old accepted) or "response" (a client
        reading the old schema must read what the new one allows)."""
        if depth > 40:
            return
        old_s, new_s = self.old.schema(old), self.new.schema(new)
        old_t, new_t = _types(old_s), _types(new_s)
        if old_t and new_t and old_t != new_t:
            self.add(True, where, f"type changed from {'/'.join(sorted(old_t))} to {'/'.join(sorted(new_t))}")
            return
        old_f, new_f = old_s.get("format"), new_s.get("format")
        if old_f != new_f:
            known = bool({old_f, new_f} & KNOWN_FORMATS)
            self.add(known, where, f"format changed from {old_f} to {new_f}")
        if "enum" in old_s or "enum" in new_s:
            old_e = set(map(repr, old_s.get("enum", [])))
            new_e = set(map(repr, new_s.get("enum", [])))
            if "enum" in old_s and "enum" in new_s:
                for value in sorted(old_e - new_e):
                    self.add(True, where, f"enum value {value} removed")
                for value in sorted(new_e - old_e):
                    self.add(direction == "response", where, f"enum value {value} added"
                             + (" (clients refuse values they do not know)" if direction == "response" else ""))
            elif "enum" in new_s and direction == "request":
                self.add(True, where, "now restricted to " + ", ".join(sorted(new_e)))
            elif "enum" in old_s and direction == "response":
                self.add(True, where, "no longer restricted to " + ", ".join(sorted(old_e)))
        if old_s.get("default") != new_s.get("default"):
            self.add(False, where, f"default {old_s.get('default')!r} -> {new_s.get('default')!r}")
        old_n, new_n = bool(old_s.get("nullable")), bool(new_s.get("nullable"))
        if old_n and not new_n:
            self.add(direction == "request", where, "null no longer allowed")
        elif new_n and not old_n:
            self.add(direction == "response", where, "may now be null")
        for key, tighter in TIGHTER.items():
            if old_s.get(key) != new_s.get(key):
                tightened = key in new_s and (key not in old_s or tighter(old_s[key], new_s[key]) != old_s[key])
                self.add(direction == "request" and tightened, where, f"{key} {old_s.get(key)} -> {new_s.get(key)}")
        if old_s.get("pattern") != new_s.get("pattern"):
            # Whether a new pattern accepts all the old one did cannot be decided here: a request's is breaking.
            self.add(direction == "request" and bool(new_s.get("pattern")), where,
                     f"pattern {old_s.get('pattern')!r} -> {new_s.get('pattern')!r}")
        self.properties(old_s, new_s, where, direction, depth)
        if "items" in old_s and "items" in new_s:
            self.schemas(old_s["items"], new_s["items"], where + "[]", direction, depth + 1)

    def properties(self, old_s: dict, new_s: dict, where: str, direction: str, depth: int) -> None:
        old_p, new_p = old_s.get("properties", {}), new_s.get("properties", {})
        old_r, new_r = set(old_s.get("required", [])), set(new_s.get("required", []))
        for name in sorted(set(old_p) - set(new_p)):
            self.add(True, where, f"field `{name}` removed")
        for name in sorted(set(new_p) - set(old_p)):
            if direction == "request" and name in new_r:
                self.add(True, where, f"required field `{name}` added")
            else:
                self.add(False, where, f"field `{name}` added")
        for name in sorted(set(old_p) & set(new_p)):
            if direction == "request" and name in new_r and name not in old_r:
                self.add(True, where, f"field `{name}` is now required")
            if direction == "response" and name in old_r and name not in new_r:
                self.add(True, where, f"field `{name}` is no longer always present")
            if direction == "request" and name in old_r and name not in new_r:
                self.add(False, where, f"field `{name}` is no longer required")
            self.schemas(old_p[name], new_p[name], f"{where}.{name}", direction, depth + 1)

    def parameters(self, where: str, old_op, new_op) -> None:
        def index(doc, operation, shared):
            params = {}
            for param in [*shared, *operation.get("parameters", [])]:
                param = doc.resolve(param)
                params[param.get("in"), param.get("name")] = param
            return params

        old_params, new_params = index(self.old, *old_op), index(self.new, *new_op)
        for key in sorted(set(old_params) - set(new_params), key=str):
            self.add(True, where, f"{key[0]} parameter `{key[1]}` removed")
        for key in sorted(set(new_params) - set(old_params), key=str):
            required = bool(new_params[key].get("required"))
            self.add(required, where, f"{'required' if required else 'optional'} {key[0]} parameter `{key[1]}` added")
        for key in sorted(set(old_params) & set(new_params), key=str):
            old, new = old_params[key], new_params[key]
            if new.get("required") and not old.get("required"):
                self.add(True, where, f"{key[0]} parameter `{key[1]}` is now required")
            self.schemas(old.get("schema", {}), new.get("schema", {}), f"{where} {key[0]} parameter `{key[1]}`",
                         "request")

    def request_body(self, where: str, old_op: dict, new_op: dict) -> None:
        old_b, new_b = self.old.resolve(old_op.get("requestBody")), self.new.resolve(new_op.get("requestBody"))
        if not new_b:
            if old_b:
                self.add(False, where, "request body no longer read")
            return
        if new_b.get("required") and not old_b.get("required"):
            self.add(True, where, "request body is now required")
        old_c, new_c = old_b.get("content", {}), new_b.get("content", {})
        for media in sorted(set(old_c) - set(new_c)):
            self.add(True, where, f"request media type {media} no longer accepted")
        for media in sorted(set(new_c) - set(old_c)):
            self.add(False, where, f"request media type {media} accepted")
        for media in sorted(set(old_c) & set(new_c)):
            self.schemas(old_c[media].get("schema", {}), new_c[media].get("schema", {}),
                         f"{where} request body ({media})", "request")

    def responses(self, where: str, old_op: dict, new_op: dict) -> None:
        old_r, new_r = old_op.get("responses", {}), new_op.get("responses", {})
        for status in sorted(set(old_r) - set(new_r)):
            self.add(str(status).startswith("2"), where, f"response {status} removed")
        for status in sorted(set(new_r) - set(old_r)):
            self.add(False, where, f"response {status} documented")
        for status in sorted(set(old_r) & set(new_r)):
            old, new = self.old.resolve(old_r[status]), self.new.resolve(new_r[status])
            success = str(status).startswith("2")
            at = f"{where} response {status}"
            for header in sorted(set(old.get("headers", {})) - set(new.get("headers", {}))):
                self.add(success, at, f"header {header} removed")
            for header in sorted(set(new.get("headers", {})) - set(old.get("headers", {}))):
                self.add(False, at, f"header {header} added")
            old_c, new_c = old.get("content", {}), new.get("content", {})
            for media in sorted(set(old_c) - set(new_c)):
                self.add(success, at, f"media type {media} removed")
            for media in sorted(set(new_c) - set(old_c)):
                self.add(False, at, f"media type {media} added")
            for media in sorted(set(old_c) & set(new_c)):
                self.schemas(old_c[media].get("schema", {}), new_c[media].get("schema", {}), f"{at} ({media})",
                             "response")

    def run(self) -> list[Change]:
        old_info, new_info = self.old.spec.get("info", {}), self.new.spec.get("info", {})
        if old_info.get("version") != new_info.get("version"):
            self.add(False, "info", f"version {old_info.get('version')} -> {new_info.get('version')}")
        old_ops, new_ops = self.old.operations(), self.new.operations()
        old_security, new_security = self.old.spec.get("security", []), self.new.spec.get("security", [])
        for key in sorted(set(old_ops) - set(new_ops)):
            self.add(True, " ".join(key), "operation removed")
        for key in sorted(set(new_ops) - set(old_ops)):
            self.add(False, " ".join(key), f"operation added ({new_ops[key][0].get('operationId')})")
        for key in sorted(set(old_ops) & set(new_ops)):
            where = " ".join(key)
            (old_op, old_shared), (new_op, new_shared) = old_ops[key], new_ops[key]
            if old_op.get("operationId") != new_op.get("operationId"):
                self.add(True, where, f"operationId {old_op.get('operationId')} -> {new_op.get('operationId')}")
            if not old_op.get("security", old_security) and new_op.get("security", new_security):
                self.add(True, where, "now needs credentials")
            self.parameters(where, (old_op, old_shared), (new_op, new_shared))
            self.request_body(where, old_op, new_op)
            self.responses(where, old_op, new_op)
        return self.found


def changes(old: dict, new: dict) -> list[Change]:
    """Every change from `old` to `new`, breaking ones marked, in a stable order."""
    return _Comparison(old, new).run()
