"""deploy/k8s without a cluster: both overlays render (kubectl's kustomize), every resource is valid against
the Kubernetes schemas (kubernetes-validate, offline) and the CloudNativePG Cluster against its CRD
(tests/fixtures/k8s); and for every service in the workspace: its Deployment (probes, limits, a locked-down
container), Service, ServiceAccount, migration Job, HPA, PDB, NetworkPolicy, database and role, and
settings that load from what the pod is given."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import workspace
import yaml
from deploytools import kubectl_binary, nats_server_binary
from k8s_render import K8S, OVERLAYS, kustomize, main_container, pod_spec, rendered, secret_names

CRD = workspace.REPO / "tests" / "fixtures" / "k8s" / "postgresql.cnpg.io_clusters.yaml"
KUBERNETES_VERSION = "1.33.0"  # the oldest minor the platform supports (docs/operations.md)
# Resources of the CloudNativePG operator whose CRDs are not among the fixtures: checked by hand below.
OPERATOR_KINDS = {"Database", "ScheduledBackup"}
OPERATIONS = workspace.REPO / "docs" / "operations.md"

WORKLOADS = workspace.workloads()
IDS = workspace.names(WORKLOADS)
DATABASES = workspace.with_database()
DATABASE_IDS = workspace.names(DATABASES)


@cache
def cluster_schema() -> dict[str, Any]:
    crd = yaml.safe_load(CRD.read_text(encoding="utf-8"))
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def _validate_cluster(document: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(cluster_schema()).validate(document)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_valid_for_kubernetes_and_the_cluster_for_its_crd(overlay: str) -> None:
    for document in rendered(overlay).documents:
        if document["kind"] == "Cluster":
            _validate_cluster(document)
        elif document["kind"] not in OPERATOR_KINDS:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        assert document["metadata"].get("namespace", "dorfmarktplatz") == "dorfmarktplatz"


def test_the_validators_refuse_what_is_wrong() -> None:
    deployment = copy.deepcopy(rendered("prod").get("Deployment", "gateway"))
    main_container(deployment)["readinesProbe"] = {"httpGet": {"path": "/readyz", "port": "http"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    cluster = copy.deepcopy(rendered("prod").get("Cluster", "dorf-db"))
    cluster["spec"]["instances"] = "three"
    with pytest.raises(jsonschema.ValidationError):
        _validate_cluster(cluster)
    assert kustomize("no-such-overlay").returncode != 0


def test_the_operator_resources_without_a_crd_here_name_the_cluster_and_a_managed_role() -> None:
    for overlay in OVERLAYS:
        output = rendered(overlay)
        roles = {role["name"] for role in output.get("Cluster", "dorf-db")["spec"]["managed"]["roles"]}
        for database in output.all("Database"):
            assert database["apiVersion"] == "postgresql.cnpg.io/v1"
            assert set(database["spec"]) == {"cluster", "name", "owner", "ensure"}
            assert database["spec"]["cluster"] == {"name": "dorf-db"} and database["spec"]["owner"] in roles
        for backup in output.all("ScheduledBackup"):
            assert backup["spec"]["cluster"] == {"name": "dorf-db"}
            assert len(backup["spec"]["schedule"].split()) == 6  # the operator's cron has seconds


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=IDS)
def test_every_service_runs_locked_down_with_probes_limits_and_its_own_account(
    overlay: str, workload: workspace.Workload
) -> None:
    output = rendered(overlay)
    name = workload.name
    deployment = output.get("Deployment", name)
    pod = pod_spec(deployment)
    container = main_container(deployment)
    assert pod["serviceAccountName"] == name and output.get("ServiceAccount", name)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    # The gateway's /metrics has a port of its own (test_metrics_are_scraped_where_the_ingress_never_goes).
    extra_ports = [{"name": "metrics", "containerPort": 9100}] if workload.is_gateway else []
    assert container["ports"] == [{"name": "http", "containerPort": 8000}, *extra_ports]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
    assert any(mount["mountPath"] == "/tmp" for mount in container["volumeMounts"])
    image = container["image"]
    assert image.split("/")[-1].split(":")[0] == name
    if overlay == "prod":
        assert re.search(r":[0-9][^:/]*$", image), f"{name}'s image is not pinned in prod: {image}"
        assert "imagePullPolicy" not in container
    else:  # built on the developer's machine and loaded into the cluster
        assert container["imagePullPolicy"] == "Never"

    labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = output.get("Service", name)
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": name}
    assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http"}]
    autoscaler = output.get("HorizontalPodAutoscaler", name)
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == name
    assert autoscaler["spec"]["minReplicas"] == deployment["spec"]["replicas"]
    budget = output.get("PodDisruptionBudget", name)
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    if overlay == "prod":
        assert autoscaler["spec"]["minReplicas"] >= 2 and budget["spec"]["minAvailable"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=IDS)
def test_settings_load_from_what_the_pod_is_given_under_the_same_names(
    overlay: str, workload: workspace.Workload
) -> None:
    output = rendered(overlay)
    environment = output.environment(main_container(output.get("Deployment", workload.name)))
    missing = workspace.required_settings(workload) - set(environment)
    assert not missing, f"overlays/{overlay}: {workload.name} needs {sorted(missing)}"
    unknown = workspace.unknown_names(workload, environment)
    assert not unknown, f"overlays/{overlay}: {workload.name} is given {sorted(unknown)}, which nothing reads"
    settings = workspace.load_with(workload, environment)
    assert settings.nats_url == "nats://dorf-nats:4222"
    public = output.get("ConfigMap", _platform_config(output))["data"]["DORF_PUBLIC_URL"]
    assert settings.oidc_issuer == f"{public}/api/accounts"
    if overlay == "prod":
        assert settings.environment == "production"


def _platform_config(output: Any) -> str:
    names = [config["metadata"]["name"] for config in output.all("ConfigMap")]
    return next(name for name in names if name.startswith("dorf-platform"))


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("workload", DATABASES, ids=DATABASE_IDS)
def test_every_database_has_its_role_its_migration_job_and_only_its_own_access(
    overlay: str, workload: workspace.Workload
) -> None:
    output = rendered(overlay)
    name = workload.name
    service_env = output.environment(main_container(output.get("Deployment", name)))
    url = service_env["DATABASE_URL"]
    assert re.fullmatch(rf"postgresql://{name}:[^@]+@dorf-db-rw:5432/{name}\?sslmode=require", url)

    job = output.get("Job", f"{name}-migrate")
    container = main_container(job)
    assert container["command"] == ["dorf", "migrate", "--only", name, "--var", "/tmp/var"]
    assert container["image"] == main_container(output.get("Deployment", name))["image"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert output.environment(container)[f"{workload.env_name}_DATABASE_URL"] == url
    assert job["spec"]["ttlSecondsAfterFinished"] > 0  # so that the next release's apply runs it again

    cluster = output.get("Cluster", "dorf-db")["spec"]
    role = next((role for role in cluster["managed"]["roles"] if role["name"] == name), None)
    assert role is not None, f"no managed role {name} in base/postgres.yaml"
    assert role["login"] is True and not role.get("superuser") and not role.get("createrole")
    assert role["passwordSecret"]["name"] in secret_names(main_container(output.get("Deployment", name)))
    assert f"hostssl {name} {name} all scram-sha-256" in cluster["postgresql"]["pg_hba"]
    assert f"host all {name} all reject" in cluster["postgresql"]["pg_hba"]
    database = output.get("Database", f"dorf-db-{name}")
    assert database["spec"]["name"] == name and database["spec"]["owner"] == name
    secret = output.secret_keys(role["passwordSecret"]["name"])
    if secret is not None:  # dev renders it; the operator wants a basic-auth secret with the role's name
        assert output.get("Secret", role["passwordSecret"]["name"])["type"] == "kubernetes.io/basic-auth"
        assert secret["username"] == name


def _egress(policy: dict[str, Any]) -> set[tuple[str, int]]:
    allowed = set()
    for rule in policy["spec"].get("egress", []):
        for peer in rule["to"]:
            labels = peer["podSelector"]["matchLabels"]
            target = labels.get("app.kubernetes.io/name") or labels.get("cnpg.io/cluster") or str(labels)
            allowed |= {(target, port["port"]) for port in rule["ports"]}
    return allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("workload", workspace.services(), ids=workspace.names(workspace.services()))
def test_a_service_reaches_only_nats_its_database_and_what_it_calls(overlay: str, workload: workspace.Workload) -> None:
    output = rendered(overlay)
    name = workload.name
    deployment = output.get("Deployment", name)
    calls = workload.calls()
    environment = output.environment(main_container(deployment))
    upstreams = {key.removeprefix("UPSTREAM_").removesuffix("_URL").lower()
                 for key in environment if key.startswith("UPSTREAM_") and key.endswith("_URL")}
    # accounts is called for its keys (JWKS_URL); every other callee through its UPSTREAM_<NAME>_URL.
    assert calls - {"accounts"} <= upstreams <= calls, f"{name}: UPSTREAM_* against what it calls"
    for callee in upstreams:
        assert environment[f"UPSTREAM_{callee.upper()}_URL"] == f"http://{callee}:8000"

    policy = output.get("NetworkPolicy", name)
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    wanted = {("nats", 4222)} | {(callee, 8000) for callee in calls}
    if workload.has_database:
        wanted.add(("dorf-db", 5432))
    assert _egress(policy) == wanted

    labels = deployment["spec"]["template"]["metadata"]["labels"]
    prefix = "dorfmarktplatz.de/calls-"
    marked = {key.removeprefix(prefix) for key in labels if key.startswith(prefix)}
    assert marked == calls, f"{name}'s pod labels must name what it calls, so the callees let it in"
    assert labels["dorfmarktplatz.de/nats-client"] == "true"
    outside = labels.get("dorfmarktplatz.de/internet-client") == "true"
    assert outside == workspace.reaches_internet(workload), f"{name}: the internet-client label"
    assert (labels.get("dorfmarktplatz.de/database-client") == "true") == workload.has_database
    # ... and the callee's policy lets that label in.
    for callee in calls:
        ingress = output.get("NetworkPolicy", callee)["spec"]["ingress"]
        peers = [peer["podSelector"]["matchLabels"] for rule in ingress for peer in rule["from"]
                 if "podSelector" in peer]
        assert {f"dorfmarktplatz.de/calls-{callee}": "true"} in peers


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_is_the_ingress_and_reaches_every_service(overlay: str) -> None:
    output = rendered(overlay)
    environment = output.environment(main_container(output.get("Deployment", "gateway")))
    for service in workspace.services():
        assert environment[f"UPSTREAM_{service.env_name}_URL"] == f"http://{service.name}:8000"
    upstreams = [key for key in environment if re.fullmatch(r"UPSTREAM_[A-Z0-9_]+_URL", key)]
    assert len(upstreams) == len(workspace.services())
    autoscaler = output.get("HorizontalPodAutoscaler", "gateway")
    assert environment["GATEWAY_REPLICAS"] == str(autoscaler["spec"]["minReplicas"])
    ingress = output.get("Ingress", "gateway")
    [rule] = ingress["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "gateway", "port": {"name": "http"}}
    public = output.get("ConfigMap", _platform_config(output))["data"]["DORF_PUBLIC_URL"]
    assert public == ("https://" if "tls" in ingress["spec"] else "http://") + rule["host"]
    egress = output.get("NetworkPolicy", "gateway")["spec"]["egress"]
    targets = [peer["podSelector"]["matchLabels"] for rule in egress for peer in rule["to"]]
    assert {"app.kubernetes.io/component": "service"} in targets


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=IDS)
def test_metrics_are_scraped_where_the_ingress_never_goes(overlay: str, workload: workspace.Workload) -> None:
    """Prometheus scrapes each pod at the port its annotations name. A service's port 8000 is reached only
    inside the cluster (and the gateway 404s /api/<service>/metrics); the gateway's public port is what the
    Ingress reaches, so its metrics are on METRICS_PORT, which neither its Service nor the Ingress exposes and
    only the monitoring namespace may reach."""
    output = rendered(overlay)
    deployment = output.get("Deployment", workload.name)
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/path"] == "/metrics"
    ports = {port["name"]: port["containerPort"] for port in main_container(deployment)["ports"]}
    if not workload.is_gateway:
        assert int(annotations["prometheus.io/port"]) == ports["http"]
        return
    environment = output.environment(main_container(deployment))
    assert int(annotations["prometheus.io/port"]) == ports["metrics"] == int(environment["METRICS_PORT"])
    assert ports["metrics"] != ports["http"]
    service_ports = [port["targetPort"] for port in output.get("Service", "gateway")["spec"]["ports"]]
    assert service_ports == ["http"]
    for rule in output.get("NetworkPolicy", "gateway")["spec"]["ingress"]:
        namespaces = {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                      for peer in rule["from"]}
        allowed = {port["port"] for port in rule["ports"]}
        if ports["metrics"] in allowed:
            assert namespaces == {"monitoring"}
        else:
            assert "monitoring" not in namespaces


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_is_a_three_node_jetstream_cluster_that_fsyncs_and_holds_the_configured_replicas(
    overlay: str, tmp_path: Path
) -> None:
    output = rendered(overlay)
    statefulset = output.get("StatefulSet", "dorf-nats")
    assert statefulset["spec"]["replicas"] == 3
    volume = next(v for v in pod_spec(statefulset)["volumes"] if v["name"] == "config")
    config = output.get("ConfigMap", volume["configMap"]["name"])["data"]["nats.conf"]
    (tmp_path / "nats.conf").write_text(config, encoding="utf-8")
    checked = subprocess.run([nats_server_binary(), "-c", str(tmp_path / "nats.conf"), "-t"], capture_output=True,
                             text=True, timeout=30, check=False, env={"POD_NAME": "dorf-nats-0"})
    assert checked.returncode == 0, checked.stderr
    assert "sync_interval: always" in config
    routes = re.findall(r"nats://(dorf-nats-\d)\.dorf-nats-cluster:6222", config)
    assert routes == [f"dorf-nats-{index}" for index in range(3)]
    assert output.get("Service", "dorf-nats-cluster")["spec"]["clusterIP"] == "None"
    replicas = int(output.get("ConfigMap", _platform_config(output))["data"]["EVENTS_STREAM_REPLICAS"])
    assert 1 <= replicas <= 3
    if overlay == "prod":
        assert replicas == 3
        assert output.get("Cluster", "dorf-db")["spec"]["instances"] == 3


def test_production_backs_up_through_the_operator() -> None:
    cluster = rendered("prod").get("Cluster", "dorf-db")["spec"]
    store = cluster["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://") and cluster["backup"]["retentionPolicy"]
    assert rendered("prod").all("ScheduledBackup"), "a scheduled base backup"


def test_every_secret_production_needs_is_created_by_a_command_in_the_operations_guide() -> None:
    output = rendered("prod")
    needed = set()
    for kind in ("Deployment", "Job"):
        for workload in output.all(kind):
            needed |= secret_names(main_container(workload))
    cluster = output.get("Cluster", "dorf-db")["spec"]
    needed |= {role["passwordSecret"]["name"] for role in cluster["managed"]["roles"]}
    needed.add(cluster["backup"]["barmanObjectStore"]["s3Credentials"]["accessKeyId"]["name"])
    needed |= {tls["secretName"] for tls in output.get("Ingress", "gateway")["spec"]["tls"]}
    guide = _guide_for_each_service()
    for name in sorted(needed):
        assert output.find("Secret", name) is None, f"{name} must not be in the repository"
        assert re.search(rf"create secret [a-z-]+ (--type=\S+ )?\"?{re.escape(name)}\b", guide), \
            f"docs/operations.md does not say how to create the secret {name}"
    for service in workspace.services():  # every key of dorf-service-clients
        assert f"--from-literal={service.name}=" in guide


def _guide_for_each_service() -> str:
    """docs/operations.md with each line that uses $service repeated for every service in its SERVICES."""
    guide = OPERATIONS.read_text(encoding="utf-8")
    listed = re.search(r'^SERVICES="([a-z -]+)"', guide, flags=re.MULTILINE)
    assert listed is not None, "docs/operations.md sets SERVICES once for its commands"
    assert listed.group(1).split() == workspace.names(workspace.services()), "SERVICES in docs/operations.md"
    lines = []
    for line in guide.splitlines():
        uses = "$service" in line
        lines += [line.replace("$service", name) for name in listed.group(1).split()] if uses else [line]
    return "\n".join(lines)


def test_the_connection_budget_fits_postgres_at_full_scale() -> None:
    for overlay in OVERLAYS:
        output = rendered(overlay)
        cluster = output.get("Cluster", "dorf-db")["spec"]
        pool = int(output.get("ConfigMap", _platform_config(output))["data"]["DATABASE_POOL_SIZE"])
        roles = {role["name"]: role for role in cluster["managed"]["roles"]}
        total = 0
        for workload in DATABASES:
            most = output.get("HorizontalPodAutoscaler", workload.name)["spec"]["maxReplicas"] * 2 * pool
            assert most <= roles[workload.name]["connectionLimit"], f"{workload.name}'s role connection limit"
            total += most + 1  # and its migration job
        reserved = 10  # the operator, replication, superuser slots
        assert total + reserved <= int(cluster["postgresql"]["parameters"]["max_connections"])


def test_new_services_get_their_file_from_the_template() -> None:
    # new-service.sh fills the same template the existing files came from.
    template = (K8S / "service.template.yaml").read_text(encoding="utf-8")
    kinds = re.findall(r"^kind: (\w+)$", template, flags=re.MULTILINE)
    assert kinds == ["ServiceAccount", "Service", "Deployment", "Job", "HorizontalPodAutoscaler",
                     "PodDisruptionBudget", "NetworkPolicy", "NetworkPolicy", "Database"]
    listed = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    for workload in workspace.services():
        assert f"services/{workload.name}.yaml" in listed, f"deploy/k8s/new-service.sh {workload.name}"


def test_new_service_sh_writes_a_service_that_renders_and_validates(tmp_path: Path) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    made = subprocess.run(["sh", str(copy / "new-service.sh"), "hofladen"], capture_output=True, text=True,
                          timeout=30, check=False)
    assert made.returncode == 0, made.stderr
    result = subprocess.run([kubectl_binary(), "kustomize", str(copy / "base")], capture_output=True, text=True,
                            timeout=120, check=True)
    documents = [document for document in yaml.safe_load_all(result.stdout) if document]
    mine = [d for d in documents if d["metadata"]["name"] in ("hofladen", "hofladen-migrate", "dorf-db-hofladen")]
    assert sorted(d["kind"] for d in mine) == sorted(
        ["ServiceAccount", "Service", "Deployment", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget",
         "NetworkPolicy", "NetworkPolicy", "Database"])
    for document in mine:
        if document["kind"] != "Database":
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    job = next(d for d in mine if d["kind"] == "Job")
    assert main_container(job)["env"][1]["name"] == "HOFLADEN_DATABASE_URL"
    again = subprocess.run(["sh", str(copy / "new-service.sh"), "hofladen"], capture_output=True, text=True,
                           timeout=30, check=False)
    assert again.returncode != 0, "never overwrites a service's file"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_accounts_knows_every_service_s_client_and_every_holder_of_personal_data(overlay: str) -> None:
    output = rendered(overlay)
    accounts = output.environment(main_container(output.get("Deployment", "accounts")))
    clients = json.loads(accounts["SERVICE_CLIENT_SECRETS"])
    assert set(clients) == set(workspace.names(workspace.services()))
    for service in workspace.services():
        own = output.environment(main_container(output.get("Deployment", service.name)))["SERVICE_CLIENT_SECRET"]
        assert own == clients[service.name]
    if overlay == "dev":  # rendered secrets: each service has a secret of its own
        assert len(set(clients.values())) == len(clients)
    holders = [name for name in workspace.personal_data_holders() if name != "accounts"]
    assert accounts["PERSONAL_DATA_SERVICES"].split(",") == holders


def test_the_world_outside_is_reached_only_at_public_addresses() -> None:
    policy = rendered("prod").get("NetworkPolicy", "internet")["spec"]
    assert policy["podSelector"] == {"matchLabels": {"dorfmarktplatz.de/internet-client": "true"}}
    [rule] = policy["egress"]
    [peer] = rule["to"]
    assert peer["ipBlock"]["cidr"] == "0.0.0.0/0"
    private = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8"}
    assert private <= set(peer["ipBlock"]["except"])
    assert {port["port"] for port in rule["ports"]} <= {80, 443, 25, 465, 587}
