"""restore-image, an instant kind: answered within its request on the fast queue, one
RestoredImage per call (registered in RestoreConfig.ready). The gallery of reusable sources
lives in this app too, and comes with its pages."""
from apps.jobs.kinds import ConsolePage, InstantKindSpec, UserFiles
from workers.pipelines.options import RestoreOptions

from .console import gallery, gallery_delete, restore
from .models import GallerySource, RestoredImage
from .pricing import RESTORE_PRICES
from .provenance import RESTORE_PROVENANCE
from .services import restored_images_expire_due

RESTORE = InstantKindSpec(
    name=RestoredImage.KIND,
    model=RestoredImage,
    label="Restore",
    prices=RESTORE_PRICES,
    options=RestoreOptions,
    provenance=RESTORE_PROVENANCE,
    urls="apps.restore.urls",
    console=(
        ConsolePage(name="restore", label="Restore", path="restore/", view=restore),
        ConsolePage(name="gallery", label="Gallery", path="gallery/", view=gallery),
        ConsolePage(name="gallery-delete", label="Delete a gallery source", path="gallery/<uuid:source_id>/delete/",
                    view=gallery_delete, nav=False),
    ),
    retention=(("restored_images", restored_images_expire_due),),
    user_files=(UserFiles(RestoredImage, "output_file", "restored"), UserFiles(GallerySource, "file", "gallery")),
)
