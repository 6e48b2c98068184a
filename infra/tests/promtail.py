"""Promtail's target relabelling and pipeline stages, evaluated as Promtail documents them.

No Promtail binary is packaged for Debian, PyPI or npm, so the stages our configuration uses
(``cri``, ``match``, ``json``, ``labels``, ``structured_metadata``) and the relabel actions
(``replace``, ``keep``, ``drop``) are implemented here; any other stage or action raises, so
the check cannot pass over configuration it does not understand.
"""

import json
import re
from dataclasses import dataclass, field

import jmespath

CRI = re.compile(r"(?s)^(?P<time>\S+?) (?P<stream>stdout|stderr) (?P<flags>\S+?) (?P<content>.*)$")
MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*')


@dataclass
class Entry:
    """One log line going through the pipeline."""

    line: str
    labels: dict[str, str]
    extracted: dict = field(default_factory=dict)
    structured_metadata: dict[str, str] = field(default_factory=dict)


def relabel(configs: list[dict], labels: dict[str, str]) -> dict[str, str] | None:
    """Prometheus relabelling of a discovered target; ``None`` when it is dropped."""
    labels = dict(labels)
    for cfg in configs:
        action = cfg.get("action", "replace")
        value = cfg.get("separator", ";").join(labels.get(s, "") for s in cfg["source_labels"])
        match = re.fullmatch(cfg.get("regex", "(.*)"), value)
        if action == "keep" and not match:
            return None
        if action == "drop" and match:
            return None
        if action == "replace":
            if match:
                target = cfg["target_label"]
                replaced = match.expand(cfg.get("replacement", "$1").replace("$", "\\"))
                if replaced:
                    labels[target] = replaced
                else:
                    labels.pop(target, None)
        elif action not in {"keep", "drop"}:
            raise NotImplementedError(f"relabel action {action}")
    return {k: v for k, v in labels.items() if not k.startswith("__") or k == "__path__"}


def selector(text: str) -> list[tuple[str, str, str]]:
    """The matchers of a LogQL stream selector ``{a="x", b=~"y"}`` (what follows it is ignored)."""
    body = text[text.index("{") + 1 : text.index("}")]
    matchers = [MATCHER.fullmatch(part) for part in body.split(",")]
    assert all(matchers), f"unparsable selector {text!r}"
    return [(m[1], m[2], m[3].encode().decode("unicode_escape")) for m in matchers]


def selects(matchers: list[tuple[str, str, str]], labels: dict[str, str]) -> bool:
    for name, op, value in matchers:
        got = labels.get(name, "")
        ok = {
            "=": got == value,
            "!=": got != value,
            "=~": re.fullmatch(value, got) is not None,
            "!~": re.fullmatch(value, got) is None,
        }[op]
        if not ok:
            return False
    return True


def run_stages(stages: list[dict], entry: Entry) -> Entry:
    for stage in stages:
        ((kind, cfg),) = stage.items()
        STAGES[kind](cfg or {}, entry)
    return entry


def _cri(cfg: dict, entry: Entry) -> None:
    match = CRI.match(entry.line)
    if match:
        entry.labels["stream"] = match["stream"]
        entry.line = match["content"]


def _match(cfg: dict, entry: Entry) -> None:
    if selects(selector(cfg["selector"]), entry.labels):
        run_stages(cfg["stages"], entry)


def _json(cfg: dict, entry: Entry) -> None:
    source = entry.extracted.get(cfg["source"]) if "source" in cfg else entry.line
    try:
        document = json.loads(source)
    except (TypeError, ValueError):
        return  # Promtail logs the failure and passes the entry on unchanged
    for name, expression in cfg["expressions"].items():
        value = jmespath.search(expression or name, document)
        if value is not None:
            entry.extracted[name] = value if isinstance(value, str) else json.dumps(value)


def _labels(cfg: dict, entry: Entry) -> None:
    for name, source in cfg.items():
        if (source or name) in entry.extracted:
            entry.labels[name] = str(entry.extracted[source or name])


def _structured_metadata(cfg: dict, entry: Entry) -> None:
    for name, source in cfg.items():
        if (source or name) in entry.extracted:
            entry.structured_metadata[name] = str(entry.extracted[source or name])


STAGES = {
    "cri": _cri,
    "match": _match,
    "json": _json,
    "labels": _labels,
    "structured_metadata": _structured_metadata,
}
