"""Build `cassettes/docs-examples/`: the documentation's own example exchanges as a cassette.

The answers printed on the doc pages are real portal answers (per the pages), so replaying them
checks the docs against themselves through the whole suite: every answer goes through every
check as if a portal had sent it. Only what the pages show is recorded: each request is the one
the page pairs with the answer (the curl example, or the parameters the page names), so this
cassette is marked `"source": "docs-examples"`, not a recording of any portal.

    python cassettes/build_docs_examples.py      # rewrites cassettes/docs-examples/
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from b24conform import __version__
from b24conform.cassettes import CASSETTE, CORPUS, META
from b24conform.cassettes.vcr_backend import CompactJson
from b24conform.generation import requested_ids
from b24conform.spec import load_spec

HOST = "mysite.com"
ENDPOINT = f"https://{HOST}/rest/1/WEBHOOK_CODE/"
JSON = "application/json; charset=utf-8"
# im.revision.get as platform.md §7 prints it; the docs show no `time` for it.
REVISION = {
    "result": {"rest": 32, "web": 130, "mobile": 22, "desktop": 6, "im_revision_mobile": 22}
}


def interaction(method: str, params: dict[str, Any], status: int, body: Any) -> dict[str, Any]:
    return {
        "request": {
            "body": json.dumps(params),
            "headers": {"Content-Type": ["application/json"], "Accept": ["application/json"]},
            "method": "POST",
            "uri": ENDPOINT + method,
        },
        "response": {
            "status": {"code": status, "message": "OK" if status == 200 else "Bad Request"},
            "headers": {"Content-Type": [JSON]},
            "body": {"string": body},
        },
    }


def case(method: str, kind: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "method": method,
        "kind": kind,
        "name": name,
        "call": {"method": method, "params": params, "transport": "json"},
        "credentials": "main",
    }
    if kind == "valid":
        data["requested_ids"] = list(requested_ids(params))
        if params.get("USER_DATA") == "Y":
            data["user_data"] = True
    return data


def build(folder: Path) -> None:
    spec = load_spec("current")
    interactions = [interaction("im.revision.get", {}, 200, json.dumps(REVISION))]
    direct = []
    for name, contract in spec.methods.items():
        for example in contract.examples:
            text = example["text"]
            if example["kind"] == "request" or example.get("partial"):
                continue  # a request alone, or an answer the docs only describe
            if example["kind"] == "error":
                documented = next(
                    e for e in contract.errors if e["error"] == json.loads(text)["error"]
                )
                params, kind, label = documented["params"], "error", documented["name"]
                status = documented["status"]
            else:
                params, kind, label, status = dict(example.get("params", {})), "valid", "valid", 200
                if "ID" not in params and "ID" in contract.request_schema.get("properties", {}):
                    keys = json.loads(text)["result"]
                    params = {"ID": sorted(int(k) for k in keys), **params}
            interactions.append(interaction(name, params, status, text))
            direct.append(case(name, kind, label, params))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CASSETTE).write_text(
        CompactJson.serialize({"interactions": interactions, "version": 1})
    )
    ids = sorted({i for c in direct for i in c.get("requested_ids", [])})
    corpus = {
        "methods": sorted(spec.methods),
        "department_ids": ids,
        "walks": [],
        "direct": direct,
        "batched": [],
    }
    (folder / CORPUS).write_text(json.dumps(corpus, indent=1, ensure_ascii=False) + "\n")
    meta = {
        "format": "b24conform.cassette/1",
        "tool": {"name": "b24conform", "version": __version__},
        "source": "docs-examples",
        "note": "Built from the example answers printed in docs/bitrix (real portal answers per the "
        "pages), not recorded from a portal. Rebuild with: python cassettes/build_docs_examples.py",
        "target": HOST,
        "kind": "webhook",
        "endpoint": ENDPOINT,
        "roles": {},
    }
    (folder / META).write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "docs-examples")
