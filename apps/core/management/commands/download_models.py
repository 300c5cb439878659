from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workers.errors import ModelDownloadError
from workers.model_zoo.download import ModelDownloader
from workers.model_zoo.manifest import ModelManifest, installed_state


class Command(BaseCommand):
    help = (
        "Download the model weights listed in models_weights/manifest.json into ISAMURAI_MODELS_DIR, "
        "with a progress bar, resume, mirrors and a SHA-256 check."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", action="append", metavar="NAME", help="only this model (repeatable)")
        parser.add_argument("--list", action="store_true", help="show what is installed and exit")
        parser.add_argument("--verify", action="store_true", help="with --list: hash every installed file")

    def handle(self, *args, only: list[str] | None, list: bool, verify: bool, **options) -> None:
        manifest = ModelManifest.load()
        models_dir = settings.ISAMURAI_MODELS_DIR
        unknown = [name for name in only or [] if name not in manifest]
        if unknown:
            raise CommandError(f"Unknown model(s): {', '.join(unknown)}. Known: {', '.join(manifest.names)}.")
        names = only or manifest.names
        if list:
            self._list(manifest, models_dir, names, verify)
            return
        downloader = ModelDownloader(models_dir, manifest, progress_stream=self.stderr._out)
        failed = []
        for name in names:
            try:
                result = downloader.download(name)
            except ModelDownloadError as exc:
                failed.append(name)
                self.stderr.write(self.style.ERROR(str(exc)))
                continue
            verb = "already installed" if result.skipped else f"downloaded from {result.source_url}"
            self.stdout.write(f"{name}: {verb} -> {result.path}")
        if failed:
            raise CommandError(
                f"{len(failed)} model(s) not installed: {', '.join(failed)}. "
                "Endpoints that need them answer 503 until they are."
            )

    def _list(self, manifest: ModelManifest, models_dir, names: list[str], verify: bool) -> None:
        self.stdout.write(f"Models directory: {models_dir}")
        for name in names:
            state = installed_state(manifest.get(name), models_dir, verify_hash=verify)
            size = f"{state.size_on_disk / 1e6:.1f} MB" if state.size_on_disk else "-"
            self.stdout.write(f"  {name:<15} {state.state:<18} {size:>10}  {state.entry.license}")
