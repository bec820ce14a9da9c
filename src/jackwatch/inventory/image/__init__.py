"""Container images read in place: ``docker save`` tarballs and OCI image layouts (directory or tarball).

:func:`open_image` gives an :class:`ImageRoot` (a :class:`~jackwatch.inventory.root.Root`) whose files are
the image's merged filesystem, and the image's configuration (:class:`ImageConfig`). Formats, layer
semantics and limits: ``docs/images.md``.
"""

from jackwatch.inventory.image.choose import ImageChoiceError
from jackwatch.inventory.image.config import HistoryEntry, ImageConfig
from jackwatch.inventory.image.layers import LayerInfo
from jackwatch.inventory.image.limits import ImageLimits
from jackwatch.inventory.image.root import ImageRoot, open_image

__all__ = ["HistoryEntry", "ImageChoiceError", "ImageConfig", "ImageLimits", "ImageRoot", "LayerInfo", "open_image"]
