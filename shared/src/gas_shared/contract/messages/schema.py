"""JSON Schema documents for every message type and version, kept in shared/schemas/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .envelope import Envelope, Payload
from .registry import REGISTRY, Registry

SCHEMA_DIR = Path(__file__).resolve().parents[4] / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_for(model: type[Payload]) -> dict[str, Any]:
    """The schema of a whole message (envelope and data) of one type and version."""
    schema = Envelope[model].model_json_schema()  # type: ignore[valid-type]
    schema["$schema"] = DIALECT
    schema["$id"] = f"https://gas.example/schemas/{model.TYPE}.v{model.VERSION}.json"
    schema["title"] = f"{model.TYPE} v{model.VERSION}"
    schema["description"] = (model.__doc__ or "").strip()
    schema["properties"]["type"] = {"const": model.TYPE}
    schema["properties"]["version"] = {"const": model.VERSION}
    return schema


def file_name(model: type[Payload]) -> str:
    return f"{model.TYPE}.v{model.VERSION}.schema.json"


def render_all(registry: Registry = REGISTRY) -> dict[str, str]:
    """File name -> text of the schema of every message GAS publishes, exactly as kept in the repository."""
    return {
        file_name(m): json.dumps(schema_for(m), indent=2, sort_keys=True) + "\n"
        for m in registry.all()
        if m.TOPIC  # S3's own notifications are adapted on receipt, never published by GAS
    }


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all().items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    return written
