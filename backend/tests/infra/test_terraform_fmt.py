"""`terraform fmt -check -recursive` on infra/terraform (offline; skipped without terraform)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

TERRAFORM = shutil.which("terraform")


@pytest.mark.skipif(TERRAFORM is None, reason="terraform not installed")
def test_terraform_is_formatted(repo_root):
    result = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", "-no-color"],
        cwd=repo_root / "infra" / "terraform",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"run `terraform fmt -recursive infra/terraform`:\n{result.stdout}"


def test_files_split_by_concern(repo_root):
    names = {p.name for p in (repo_root / "infra" / "terraform").glob("*.tf")}
    expected = {
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "network.tf",
        "alb.tf",
        "ecs.tf",
        "sqs.tf",
        "rds.tf",
        "s3.tf",
        "iam.tf",
        "cloudwatch.tf",
        "cloudwatch-dashboard.tf",
        "waf.tf",
        "security.tf",
    }
    assert expected <= names, sorted(expected - names)


def test_no_state_or_secrets_in_the_tree(repo_root):
    tf_dir = repo_root / "infra" / "terraform"
    assert not list(tf_dir.glob("*.tfstate*"))
    assert not (tf_dir / "terraform.tfvars").exists()
    ignore = (repo_root / "infra" / ".gitignore").read_text()
    assert ".checkov-venv/" in ignore
    assert "*.tfstate" in ignore
