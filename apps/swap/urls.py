from apps.core.routing import api_route

from .apis import (
    AnalyseFrameApi,
    FaceSwapDraftApi,
    FullProcessSwapApi,
    MultipleFaceSwapApi,
    MultiPreviewSwapApi,
    PreviewSwapApi,
    ProcessSwapApi,
    SwapProgressApi,
)

urlpatterns = [
    api_route("preview-swap-api/", PreviewSwapApi.as_view(), name="preview-swap"),
    api_route("full-process-swap/", FullProcessSwapApi.as_view(), name="full-process-swap"),
    api_route("faceswap/", FaceSwapDraftApi.as_view(), name="faceswap-draft"),
    api_route("process-swap/", ProcessSwapApi.as_view(), name="process-swap"),
    api_route("analyse-frame/", AnalyseFrameApi.as_view(), name="analyse-frame"),
    api_route("multi-preview-swap-api/", MultiPreviewSwapApi.as_view(), name="multi-preview-swap"),
    api_route("multiple-face-swap/", MultipleFaceSwapApi.as_view(), name="multiple-face-swap"),
    api_route("swap-progress/", SwapProgressApi.as_view(), name="swap-progress"),
]
