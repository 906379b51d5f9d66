"""Fixtures for the infrastructure tests: the parsed Terraform and the repository paths.

The Terraform is read with python-hcl2, which gives blocks as lists of dicts and leaves
expressions as "${...}" strings; `TerraformConfig.resolve` follows `local.x` references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
TERRAFORM_DIR = REPO_ROOT / "infra" / "terraform"
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
BACKEND_DIR = REPO_ROOT / "backend"

_LOCAL_REF = re.compile(r"^\$\{local\.(\w+)\}$")


@dataclass
class TerraformConfig:
    """Every block of infra/terraform/*.tf, merged across files."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (kind, type, name) -> file

    def resource(self, rtype: str, name: str) -> dict[str, Any]:
        assert (rtype, name) in self.resources, f"resource {rtype}.{name} is missing"
        return self.resources[(rtype, name)]

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {name: conf for (t, name), conf in self.resources.items() if t == rtype}

    def resolve(self, value: Any) -> Any:
        """Follow `${local.name}` (repeatedly) to the local's literal value."""
        seen = set()
        while isinstance(value, str) and (m := _LOCAL_REF.match(value)):
            name = m.group(1)
            assert name not in seen, f"local.{name} refers to itself"
            seen.add(name)
            assert name in self.locals, f"local.{name} is not defined"
            value = self.locals[name]
        return value


def load_terraform(directory: Path = TERRAFORM_DIR) -> TerraformConfig:
    cfg = TerraformConfig()
    for path in sorted(directory.glob("*.tf")):
        with path.open() as fh:
            doc = hcl2.load(fh)
        cfg.files[path.name] = doc
        for kind, target in (("resource", cfg.resources), ("data", cfg.data)):
            for entry in doc.get(kind, []):
                for rtype, named in entry.items():
                    for name, conf in named.items():
                        assert (rtype, name) not in target, f"{kind} {rtype}.{name} defined twice"
                        target[(rtype, name)] = conf
                        cfg.sources[(kind, rtype, name)] = path.name
        for entry in doc.get("locals", []):
            for name, value in entry.items():
                assert name not in cfg.locals, f"local.{name} defined twice"
                cfg.locals[name] = value
        for entry in doc.get("variable", []):
            cfg.variables.update(entry)
        for entry in doc.get("output", []):
            cfg.outputs.update(entry)
    return cfg


@pytest.fixture(scope="session")
def terraform() -> TerraformConfig:
    assert TERRAFORM_DIR.is_dir(), f"{TERRAFORM_DIR} is missing"
    return load_terraform()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
