"""deploy/kubernetes: every object validates offline against the Kubernetes API schemas
(kubernetes-validate), and the pieces fit together (queues, KEDA, GPU, one scheduler)."""
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings

KUSTOMIZE = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.33"  # what the manifests target; kubernetes-validate ships its schemas
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}


def _kustomization() -> dict:
    return yaml.safe_load((KUSTOMIZE / "kustomization.yaml").read_text())


def _objects() -> list[dict]:
    objects = []
    for name in _kustomization()["resources"]:
        objects += [doc for doc in yaml.safe_load_all((KUSTOMIZE / name).read_text()) if doc]
    return objects


def _by_kind(kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in _objects() if obj["kind"] == kind}


def _worker_queues(deployment: dict) -> set[str]:
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    if args[:4] != ["celery", "-A", "isamurai_server", "worker"]:
        return set()
    return set(args[args.index("-Q") + 1].split(","))


def test_every_listed_file_exists_and_every_file_is_listed():
    listed = set(_kustomization()["resources"])
    assert all((KUSTOMIZE / name).is_file() for name in listed)
    on_disk = {path.name for path in KUSTOMIZE.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert on_disk == listed


@pytest.mark.parametrize("obj", [o for o in _objects() if o["kind"] not in KEDA_KINDS],
                         ids=lambda o: f"{o['kind']}/{o['metadata']['name']}")
def test_object_is_valid_for_the_kubernetes_api(obj):
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_example_secret_is_valid_and_has_every_key_the_pods_and_keda_read():
    secret = yaml.safe_load((KUSTOMIZE / "secret.example.yaml").read_text())
    kubernetes_validate.validate(secret, KUBERNETES_VERSION, strict=True)
    keys = set(secret["stringData"])
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= keys
    for auth in _by_kind("TriggerAuthentication").values():
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["name"] == secret["metadata"]["name"] and ref["key"] in keys


def test_every_queue_the_server_routes_to_has_a_worker():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    routed.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    served = set().union(*(_worker_queues(d) for d in _by_kind("Deployment").values()))
    assert routed <= served, f"queues nobody serves: {routed - served}"


def test_gpu_workers_ask_for_a_gpu_node_and_never_serve_other_queues():
    gpu = _by_kind("Deployment")["gpu-worker"]
    pod = gpu["spec"]["template"]["spec"]
    assert _worker_queues(gpu) == {"gpu"}
    container = pod["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"]
    assert {"name": "ISAMURAI_ORT_PROVIDERS", "value": "cuda,cpu"} in container["env"]


def test_keda_scales_the_gpu_workers_on_their_redis_list_down_to_zero():
    scaled = _by_kind("ScaledObject")["gpu-worker"]
    target = _by_kind("Deployment")[scaled["spec"]["scaleTargetRef"]["name"]]
    assert scaled["spec"]["minReplicaCount"] == 0 < scaled["spec"]["maxReplicaCount"]
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "redis"
    assert {trigger["metadata"]["listName"]} == _worker_queues(target)
    assert trigger["authenticationRef"]["name"] in _by_kind("TriggerAuthentication")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"


def test_exactly_one_scheduler_and_no_worker_runs_beat():
    deployments = _by_kind("Deployment")
    beats = [name for name, d in deployments.items()
             if "beat" in d["spec"]["template"]["spec"]["containers"][0]["args"]]
    assert beats == ["scheduler"]
    scheduler = deployments["scheduler"]["spec"]
    assert scheduler["replicas"] == 1 and scheduler["strategy"]["type"] == "Recreate"
    for d in deployments.values():
        assert "-B" not in d["spec"]["template"]["spec"]["containers"][0]["args"]
