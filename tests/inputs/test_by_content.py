"""Discovery by content: `.json` Kubernetes manifests and nginx `.conf` files under any name."""
from __future__ import annotations

from pathlib import Path

from checker.inputs.by_content import json_manifest, nginx_config
from checker.inputs.discover import discover
from checker.inputs.load import load

LIST = """{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
     "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:latest"}]}}}}
  ]
}
"""


def test_json_manifests_and_nginx_sites_are_read_and_other_files_passed_over(tmp_path: Path):
    (tmp_path / "proxy").mkdir()
    (tmp_path / "app.json").write_text(LIST)
    (tmp_path / "dashboard.json").write_text('{"title": "dash", "panels": []}')
    (tmp_path / "proxy/site.conf").write_text("upstream app { server 127.0.0.1:8080; }\nserver {\n  listen 80;\n}\n")
    (tmp_path / "proxy/app.conf").write_text("key = value\n[section]\n")
    loaded = load(list(discover([str(tmp_path)])))
    found = sorted((Path(d.path).name, d.kind, d.meta.get("label")) for d in loaded.documents)
    assert found[0] == ("app.json", "k8s", "Deployment/web")
    assert {name for name, kind, _ in found if kind == "nginx"} == {"site.conf"}
    assert not loaded.problems
    assert sorted(Path(f).name for f in loaded.files) == ["app.json", "site.conf"]
    (web,) = [d for d in loaded.documents if d.kind == "k8s"]
    assert web.position(("spec", "template", "spec", "containers", 0, "image"))[0] == 6  # lines into the JSON file


def test_content_tests():
    assert json_manifest(LIST) and not json_manifest('{"kind": "x"}') and not json_manifest('"apiVersion" "kind"')
    assert nginx_config("# site\nserver {\n listen 80;\n}\n")
    assert nginx_config("events {}\nhttp {\n server { listen 80; }\n}\n")
    assert not nginx_config("[server]\nport = 80\n") and not nginx_config("location / {\n}\n")
