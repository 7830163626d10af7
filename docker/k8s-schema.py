#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""k8s-schema.py FILE.yaml: parse a multi-document Kubernetes manifest, check
every object strictly against the API models of Debian's python3-kubernetes
(an unknown or misspelt field, a value of the wrong type or a missing
required field is an error), and print the documents as one JSON array."""
import datetime
import json
import sys

import yaml
from kubernetes import client

KINDS = {
    ("apps/v1", "Deployment"): client.V1Deployment,
    ("v1", "Service"): client.V1Service,
}
errors = []


def walk(obj, typ, path):
    """Check obj against the model type name typ."""
    if typ.startswith("list["):
        if not isinstance(obj, list):
            errors.append(f"{path}: expected a list")
            return
        for i, item in enumerate(obj):
            walk(item, typ[5:-1], f"{path}[{i}]")
    elif typ.startswith("dict("):
        if not isinstance(obj, dict):
            errors.append(f"{path}: expected a map")
            return
        vtyp = typ[typ.index(",") + 1:-1].strip()
        for k, v in obj.items():
            walk(v, vtyp, f"{path}.{k}")
    elif typ == "str":
        if not isinstance(obj, str):
            errors.append(f"{path}: expected a string, got {obj!r}")
    elif typ == "int":
        if not isinstance(obj, int) or isinstance(obj, bool):
            errors.append(f"{path}: expected an integer, got {obj!r}")
    elif typ == "bool":
        if not isinstance(obj, bool):
            errors.append(f"{path}: expected true or false, got {obj!r}")
    elif typ == "float":
        if not isinstance(obj, (int, float)) or isinstance(obj, bool):
            errors.append(f"{path}: expected a number, got {obj!r}")
    elif typ == "datetime":
        if not isinstance(obj, (str, datetime.datetime)):
            errors.append(f"{path}: expected a time, got {obj!r}")
    elif typ == "object":  # IntOrString and the like
        if not isinstance(obj, (str, int)) or isinstance(obj, bool):
            errors.append(f"{path}: expected a string or an integer")
    else:
        cls = getattr(client, typ)
        if not isinstance(obj, dict):
            errors.append(f"{path}: expected a {typ} object")
            return
        fields = {v: k for k, v in cls.attribute_map.items()}
        for k, v in obj.items():
            if k not in fields:
                errors.append(f"{path}.{k}: no such field in {typ}")
            else:
                walk(v, cls.openapi_types[fields[k]], f"{path}.{k}")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    api = client.ApiClient()
    for i, doc in enumerate(docs):
        where = f"document {i + 1}"
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in KINDS:
            errors.append(f"{where}: unexpected {key[1]} of {key[0]}")
            continue
        cls = KINDS[key]
        walk(doc, cls.__name__, f"{where} ({key[1]})")
        try:  # the models raise on a missing required field
            api._ApiClient__deserialize(doc, cls)  # pylint: disable=protected-access
        except (ValueError, TypeError) as e:
            errors.append(f"{where}: {e}")
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        sys.exit(1)
    json.dump(docs, sys.stdout)


main()
