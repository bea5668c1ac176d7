"""deploy/k8s rendered as Kubernetes would get it, and read as a pod would see it: kustomize through
kubectl's built-in renderer (offline), then the environment of a container with its ConfigMaps, Secrets
and `$(VAR)` references resolved."""

from __future__ import annotations

import base64
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from typing import Any

import workspace
import yaml
from deploytools import kubectl_binary

K8S = workspace.REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def kustomize(folder: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([kubectl_binary(), "kustomize", str(K8S / folder)], capture_output=True, text=True,
                          timeout=120, check=False)


@dataclass(frozen=True)
class Rendered:
    overlay: str
    documents: tuple[dict[str, Any], ...]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [document for document in self.documents if document["kind"] == kind]

    def find(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((document for document in self.all(kind) if document["metadata"]["name"] == name), None)

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = self.find(kind, name)
        assert found is not None, f"overlays/{self.overlay}: no {kind} {name!r}"
        return found

    def secret_keys(self, name: str) -> dict[str, str] | None:
        """A Secret's data as rendered (dev), or None when it is created by hand (prod)."""
        secret = self.find("Secret", name)
        if secret is None:
            return None
        return {key: base64.b64decode(value).decode() for key, value in (secret.get("data") or {}).items()}

    def environment(self, container: dict[str, Any], placeholder: str = "s3cr3t-from-kubectl") -> dict[str, str]:
        """What the process sees. A Secret that is not rendered (made by hand in production) gives
        `placeholder`; a missing ConfigMap or key fails, as the pod would not start."""
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            config_map = self.get("ConfigMap", source["configMapRef"]["name"])
            env.update(config_map.get("data", {}))
        for item in container.get("env", []):
            if "value" in item:
                env[item["name"]] = _REFERENCE.sub(lambda match: env.get(match.group(1), match.group(0)),
                                                   str(item["value"]))
                continue
            source = item["valueFrom"]
            if "configMapKeyRef" in source:
                ref = source["configMapKeyRef"]
                env[item["name"]] = self.get("ConfigMap", ref["name"])["data"][ref["key"]]
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                keys = self.secret_keys(ref["name"])
                env[item["name"]] = placeholder if keys is None else keys[ref["key"]]
            elif "fieldRef" in source:
                env[item["name"]] = "pod-0"
        unresolved = {name: value for name, value in env.items() if _REFERENCE.search(value)}
        assert not unresolved, f"overlays/{self.overlay}: $(...) that nothing defines: {unresolved}"
        return env


@cache
def rendered(overlay: str) -> Rendered:
    result = kustomize(f"overlays/{overlay}")
    assert result.returncode == 0, result.stderr
    documents = tuple(document for document in yaml.safe_load_all(result.stdout) if document)
    return Rendered(overlay, documents)


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def main_container(workload: dict[str, Any]) -> dict[str, Any]:
    [container] = pod_spec(workload)["containers"]
    return container


def secret_names(container: dict[str, Any]) -> set[str]:
    return {item["valueFrom"]["secretKeyRef"]["name"] for item in container.get("env", [])
            if "secretKeyRef" in item.get("valueFrom", {})}
