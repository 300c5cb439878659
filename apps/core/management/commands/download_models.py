from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.licences import licence_policy
from workers.errors import ModelDownloadError
from workers.model_zoo.download import ModelDownloader
from workers.model_zoo.manifest import DEFAULT_MANIFEST_PATH, ModelManifest, installed_state


class Command(BaseCommand):
    help = (
        "Download the model weights listed in models_weights/manifest.json into ISAMURAI_MODELS_DIR, "
        "with a progress bar, resume, mirrors and a SHA-256 check. With ISAMURAI_COMMERCIAL=true, only "
        "the models whose licence allows commercial use (or listed in ISAMURAI_COMMERCIAL_LICENSED_MODELS)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", action="append", metavar="NAME", help="only this model (repeatable)")
        parser.add_argument("--list", action="store_true", help="show what is installed and exit")
        parser.add_argument("--verify", action="store_true", help="with --list: hash every installed file")
        parser.add_argument("--manifest", default=str(DEFAULT_MANIFEST_PATH),
                            help="the manifest to read (default: models_weights/manifest.json)")

    def handle(self, *args, only: list[str] | None, list: bool, verify: bool, manifest: str, **options) -> None:
        manifest = ModelManifest.load(manifest)
        models_dir = settings.ISAMURAI_MODELS_DIR
        unknown = [name for name in only or [] if name not in manifest]
        if unknown:
            raise CommandError(f"Unknown model(s): {', '.join(unknown)}. Known: {', '.join(manifest.names)}.")
        names = only or manifest.names
        if list:
            self._list(manifest, models_dir, names, verify)
            return
        policy = licence_policy()
        refused = {name: policy.refusal(manifest.get(name)) for name in names if not policy.allows(manifest.get(name))}
        for name, why in refused.items():
            self.stdout.write(self.style.WARNING(
                f"{name}: skipped, {why}. If you hold a commercial licence for it, add it to "
                "ISAMURAI_COMMERCIAL_LICENSED_MODELS."))
        if only and len(refused) == len(names):
            raise CommandError(f"Nothing to download: {', '.join(refused)} may not be used in commercial mode.")
        downloader = ModelDownloader(models_dir, manifest, progress_stream=self.stderr._out)
        failed = []
        for name in (name for name in names if name not in refused):
            try:
                result = downloader.download(name)
            except ModelDownloadError as exc:
                failed.append(name)
                self.stderr.write(self.style.ERROR(str(exc)))
                continue
            verb = "already installed" if result.skipped else f"downloaded from {result.source_url}"
            self.stdout.write(f"{name}: {verb} -> {result.path}")
        if refused:
            self.stdout.write(f"Commercial mode: skipped {len(refused)} model(s) whose licence does not allow "
                              f"commercial use: {', '.join(refused)}.")
        if failed:
            raise CommandError(
                f"{len(failed)} model(s) not installed: {', '.join(failed)}. "
                "Endpoints that need them answer 503 until they are."
            )

    def _list(self, manifest: ModelManifest, models_dir, names: list[str], verify: bool) -> None:
        self.stdout.write(f"Models directory: {models_dir}")
        policy = licence_policy()
        for name in names:
            state = installed_state(manifest.get(name), models_dir, verify_hash=verify)
            size = f"{state.size_on_disk / 1e6:.1f} MB" if state.size_on_disk else "-"
            note = "" if policy.allows(state.entry) else "  [not usable: commercial mode]"
            self.stdout.write(f"  {name:<15} {state.state:<18} {size:>10}  {state.entry.license}{note}")
