"""backend/Dockerfile: multi-stage, non-root, health-checked (no Docker engine needed)."""

from __future__ import annotations

import json
import re

import pytest


@pytest.fixture(scope="module")
def instructions(repo_root):
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (repo_root / "backend" / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def _stages(instructions):
    stages: list[list[tuple[str, str]]] = []
    for instr in instructions:
        if instr[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instr)
    return stages


def test_multi_stage_on_python_311_slim(instructions):
    froms = [args for instr, args in instructions if instr == "FROM"]
    assert len(froms) == 2
    assert froms[0].endswith("AS builder")
    assert froms[1].endswith("AS runtime")
    [image_arg] = [
        args for instr, args in instructions if instr == "ARG" and args.startswith("PYTHON_IMAGE=")
    ]
    assert image_arg.startswith("PYTHON_IMAGE=python:3.11-slim")


def test_builder_installs_from_pyproject_into_a_venv(instructions):
    builder = " ".join(args for _, args in _stages(instructions)[0])
    assert "python -m venv /opt/venv" in builder
    assert "pyproject.toml" in builder
    assert "pip install --no-deps ." in builder


def test_runtime_runs_unprivileged(instructions):
    runtime = _stages(instructions)[1]
    users = [args for instr, args in runtime if instr == "USER"]
    assert users, "no USER in the runtime stage"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert users[-1] == "10001:10001"  # ecs.tf sets the same `user`
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in runtime


def test_runtime_uid_matches_the_task_definitions(repo_root):
    ecs = (repo_root / "infra" / "terraform" / "ecs.tf").read_text()
    assert ecs.count('user                   = "10001:10001"') == 2


def test_cmd_and_healthcheck(instructions):
    [cmd] = [args for instr, args in instructions if instr == "CMD"]
    assert json.loads(cmd) == ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
    [health] = [args for instr, args in instructions if instr == "HEALTHCHECK"]
    assert "/health" in health
    assert "CMD" in health
    assert ("EXPOSE", "8000") in instructions


def test_dockerignore_keeps_the_context_small(repo_root):
    lines = (repo_root / "backend" / ".dockerignore").read_text().splitlines()
    assert lines[next(i for i, line in enumerate(lines) if line and not line.startswith("#"))] == "*"
    assert "!pyproject.toml" in lines
    assert "!app" in lines
