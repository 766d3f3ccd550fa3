#!/usr/bin/python3
"""Renders template cases with Jinja2, the reference that Baton's templates must match.

Reads a JSON list of cases on stdin: [{"template": "...", "context": {...}}, ...].
Writes one JSON object on stdout: {"jinja2": "<version>", "results": [...]}, with one result
per case and in the same order:
  {"ok": true, "output": "..."} or {"ok": false, "error": "<exception type>: <message>"}.

Every case is rendered with Environment(undefined=StrictUndefined, keep_trailing_newline=True),
autoescape off and the default delimiters, which is what Baton promises to match.
"""

import json
import sys

import jinja2


def render_case(env, case):
    try:
        template = env.from_string(case["template"])
        output = template.render(case.get("context") or {})
        return {"ok": True, "output": output}
    except Exception as error:  # noqa: BLE001 - every failure is a result to compare
        return {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}


def main():
    cases = json.load(sys.stdin)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    results = []
    for case in cases:
        results.append(render_case(env, case))
    out = {"jinja2": jinja2.__version__, "results": results}
    sys.stdout.write(json.dumps(out, ensure_ascii=True))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
