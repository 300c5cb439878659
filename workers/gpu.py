"""The host's GPUs' utilisation, read with nvidia-smi (present wherever the NVIDIA driver is):
an empty list on a host without an NVIDIA GPU or driver."""
import shutil
import subprocess


def gpu_utilization(timeout: float = 5.0) -> list[dict]:
    """[{"index": 0, "utilization": 87.0, "memory_used_mb": 1234.0}, ...] (utilisation in percent)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        out = subprocess.run(
            [smi, "--query-gpu=index,utilization.gpu,memory.used", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=timeout, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != 3:
            continue
        try:
            gpus.append({"index": int(parts[0]), "utilization": float(parts[1]), "memory_used_mb": float(parts[2])})
        except ValueError:  # "[N/A]" on some boards
            continue
    return gpus
