"""Image files through Pillow: reading any mode, writing atomically, checking outputs before the work.

Images inside jigsaw are float tensors in ``[0, 1]``: an image file is ``(C, H, W)`` with ``C = 1`` (grayscale) or
``C = 3`` (RGB).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch import Tensor

from jigsaw.errors import JigsawError

MAX_PIXELS_DEFAULT = 100_000_000
"""Images that claim more pixels than this are refused before they are decoded (a 74-byte PNG can claim 60000x60000:
a decompression bomb). ``JIGSAW_MAX_PIXELS`` sets another limit. Solving holds about 12 bytes per pixel."""


def max_pixels() -> int:
    """The pixel limit: ``$JIGSAW_MAX_PIXELS`` when set, else :data:`MAX_PIXELS_DEFAULT`."""
    value = os.environ.get("JIGSAW_MAX_PIXELS")
    if value is None:
        return MAX_PIXELS_DEFAULT
    number = whole_number(value)
    if number is None or number < 1:
        raise JigsawError(f"JIGSAW_MAX_PIXELS must be a positive whole number of pixels, got {value!r}")
    return number


def whole_number(text: str, digits: int = 18) -> int | None:
    """``text`` as a whole number written with at most ``digits`` ASCII digits (spaces around allowed), else
    ``None``. ``str.isdigit`` also accepts characters such as '²' that ``int`` refuses, and ``int`` refuses more
    than 4,300 digits with its own error."""
    match = re.fullmatch(rf"\s*([0-9]{{1,{digits}}})\s*", text)
    return int(match.group(1)) if match else None


GRAYSCALE_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F")


def read_image(path: str | os.PathLike) -> Tensor:
    """Read an image file as ``(C, H, W)`` float32 in ``[0, 1]``: ``C = 1`` for grayscale, 3 for anything else.

    Rules: the EXIF orientation of a photo is applied (a phone's portrait photo comes out upright, as viewers show
    it); alpha is ignored (colours are kept as stored, not blended); palette and CMYK images are converted to RGB;
    16-bit grayscale (with or without alpha) is scaled from 0..65535 (never clipped), 32-bit integer and float images
    by their type's range (see :func:`_wide_grayscale`); NaN or infinite pixels and animations are refused. Outputs
    are written with 8 bits per channel.
    """
    path = input_file(path)
    limit = max_pixels()
    try:
        with _no_pillow_limit(), Image.open(path) as image:
            width, height = image.size
            if width * height > limit:
                raise JigsawError(
                    f"{path}: the image claims to be {width}x{height} = {width * height:,} pixels, more than the "
                    f"limit of {limit:,} (set JIGSAW_MAX_PIXELS to raise it)"
                )
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                raise JigsawError(f"{path}: an animation of {frames} frames; save the frame to use as a still image")
            gray_alpha = _tile_rawmode(image).startswith("LA")  # 16-bit gray+alpha PNGs open as RGBA
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in GRAYSCALE_MODES and image.mode not in ("1", "L", "LA", "La"):
                return _wide_grayscale(image, path)
            if gray_alpha:
                converted = image.getchannel(0)
            elif image.mode == "P" and "transparency" in image.info:
                converted = image.convert("RGBA").convert("RGB")  # the direct way warns about byte transparency
            else:
                converted = image.convert("L" if image.mode in GRAYSCALE_MODES else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise JigsawError(f"{path}: not a readable image ({error})") from None
    return from_8bit(converted)


def input_file(path: str | os.PathLike) -> Path:
    """``path`` when it is a regular file (or a link to one); else one sentence saying what it is. Opening a named
    pipe would wait forever for a writer."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise JigsawError(f"{path}: no such file") from None
    except OSError as error:
        raise JigsawError(f"{path}: cannot read it ({error.strerror or error})") from None
    if stat.S_ISDIR(mode):
        raise JigsawError(f"{path} is a folder, not an image file")
    if not stat.S_ISREG(mode):
        raise JigsawError(f"{path} is {_file_kind(mode)}, not a regular file")
    return path


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def is_regular_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a regular file (through links): safe to open without blocking."""
    try:
        return stat.S_ISREG(Path(path).stat().st_mode)
    except OSError:
        return False


def _tile_rawmode(image: Image.Image) -> str:
    """How Pillow will decode a PNG's pixels (``'LA;16B'`` for 16-bit gray+alpha), ``''`` for other files."""
    tile = getattr(image, "tile", None)  # an ImageFile's, before load
    args = tile[0][3] if image.format == "PNG" and tile else None
    return args if isinstance(args, str) else ""


class _no_pillow_limit:
    """Pillow's own bomb check off while :func:`read_image` applies :func:`max_pixels` to the header's size."""

    def __enter__(self) -> None:
        self.saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None

    def __exit__(self, *exc: object) -> None:
        Image.MAX_IMAGE_PIXELS = self.saved


def _wide_grayscale(image: Image.Image, path: Path) -> Tensor:
    """A grayscale image of more than 8 bits as ``(1, H, W)`` in [0, 1]: 16-bit modes divided by 65535; 32-bit
    integers by 255 when every value fits in 8 bits, else by 65535 when they fit in 16 (PNG's 16-bit grayscale
    opens as 32-bit on some Pillow versions), else scaled from their minimum to their maximum; floats kept when
    inside [0, 1], else scaled from their minimum to their maximum."""
    array = np.asarray(image).astype(np.float64)
    if not np.isfinite(array).all():
        raise JigsawError(f"{path}: has NaN or infinite pixels; only finite values can be shuffled and solved")
    low, high = (float(array.min()), float(array.max())) if array.size else (0.0, 0.0)
    if image.mode.startswith("I;16"):
        array = array / 65535.0
    elif image.mode == "I" and low >= 0 and high <= 255:
        array = array / 255.0
    elif image.mode == "I" and low >= 0 and high <= 65535:
        array = array / 65535.0
    elif not (image.mode == "F" and low >= 0 and high <= 1):
        array = (array - low) / (high - low) if high > low else np.zeros_like(array)
    return torch.from_numpy(array.astype(np.float32)).unsqueeze(0)


def from_8bit(image) -> Tensor:
    """An 8-bit ``(H, W)`` or ``(H, W, C)`` array or Pillow image -> ``(C, H, W)`` float32 in [0, 1]; the inverse of
    :func:`to_pil`."""
    tensor = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0)
    return tensor.unsqueeze(0) if tensor.dim() == 2 else tensor.permute(2, 0, 1).contiguous()


def to_pil(image: Tensor) -> Image.Image:
    """``(C, H, W)`` or ``(H, W)`` float in ``[0, 1]`` -> 8-bit Pillow image (grayscale or RGB)."""
    if image.dim() == 3 and image.shape[0] == 1:
        image = image[0]
    array = (image.detach().cpu().clamp(0, 1) * 255.0).round().to(torch.uint8)
    if array.dim() == 3:
        array = array.permute(1, 2, 0)
    return Image.fromarray(array.numpy())


IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF", ".tiff": "TIFF"}


def check_writable(path: str | os.PathLike, force: bool, inputs: tuple[Path, ...] = ()) -> Path:
    """Refuse, before any work is done, an output path that is one of the ``inputs`` (even with ``force``), that
    exists (unless ``force``), or whose folder is missing or not writable."""
    path = Path(path)
    if not path.name:
        raise JigsawError(f"{path} is not a file name")
    refuse_inputs(path, inputs, "write the result to another file")
    if path.is_dir():
        raise JigsawError(f"{path} is a folder, not a file")
    if path.exists() and not force:
        raise JigsawError(f"{path} already exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise JigsawError(f"folder {path.parent} does not exist")
    check_folder_writable(path.parent)
    return path


def check_folder_writable(folder: Path) -> None:
    """Refuse, before any work, a folder (or, when it does not exist yet, the nearest folder above it that does)
    where this process may not create files."""
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise JigsawError(f"cannot write in folder {existing}: permission denied")


def remove_empty_folders(folders: list[Path]) -> None:
    """Take back ``folders`` that a failed command created, deepest first, where nothing was put in them."""
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass


def refuse_inputs(path: Path, inputs: tuple[Path, ...], advice: str) -> None:
    """Refuse an output ``path`` that is one of the ``inputs`` (through links or another spelling), ``--force`` or
    not; ``advice`` says what to do instead."""
    for source in inputs:
        if same_file(path, Path(source)):
            raise JigsawError(f"{path} is the input {source}; {advice}")


def same_file(a: Path, b: Path) -> bool:
    """Do two paths name the same existing file (through links, ``..`` or another spelling)?"""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(file)`` on a new binary file and put the result at ``path`` in one rename, so a reader never
    sees half a file. The file being written has no name until it is complete (Linux's ``O_TMPFILE``), so even a
    ``kill -9`` leaves nothing behind; elsewhere it is ``.NAME.partial`` beside ``path``, removed on any error.
    Every failure of the system to write (permission, disk full, file too large, read-only file system) is one
    sentence naming ``path``."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        try:
            fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)
        except (AttributeError, OSError):  # no O_TMPFILE here, or not on this file system
            with open(partial, "wb") as handle:
                write(handle)
        else:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                partial.unlink(missing_ok=True)
                _name_open_file(fd, partial)
        partial.replace(path)
    except OSError as error:
        raise JigsawError(f"cannot write {path}: {_reason(error)}") from None
    finally:
        partial.unlink(missing_ok=True)


def _name_open_file(fd: int, path: Path) -> None:
    """Give the nameless file open as ``fd`` the name ``path`` (``linkat`` through ``/proc``, which ``os.link``
    does not follow)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    at_cwd, follow = -100, 0x400  # AT_FDCWD, AT_SYMLINK_FOLLOW
    if libc.linkat(at_cwd, f"/proc/self/fd/{fd}".encode(), at_cwd, os.fsencode(path), follow) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(path))


def _reason(error: OSError) -> str:
    return error.strerror.lower() if error.strerror else str(error) or type(error).__name__


def check_report_folder(out: Path, force: bool, *names: str, inputs: tuple[Path, ...] = ()) -> list[Path]:
    """The files ``names`` inside the report folder ``out``, refused before any work when ``out`` is a file, one
    of them is one of the ``inputs`` (even with ``force``), or one of them exists (unless ``force``)."""
    paths = [out / name for name in names]
    if out.exists() and not out.is_dir():
        raise JigsawError(f"{out} exists and is not a folder")
    check_folder_writable(out)
    for path in paths:
        refuse_inputs(path, inputs, "write the report to another folder")
        if path.exists() and not force:
            raise JigsawError(f"{path} already exists; pass --force to overwrite it")
    return paths


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON, atomically."""
    atomic_write(path, lambda handle: handle.write(json.dumps(payload, indent=2).encode()))


def check_image_output(path: str | os.PathLike, force: bool, inputs: tuple[Path, ...] = ()) -> Path:
    """:func:`check_writable`, and the suffix must name an image format we can write."""
    path = check_writable(path, force, inputs)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise JigsawError(f"{path}: unsupported image type; use one of {', '.join(sorted(IMAGE_SUFFIXES))}")
    return path


def write_image(image: Tensor, path: str | os.PathLike, force: bool = False, metadata: dict | None = None) -> Path:
    """Write ``(C, H, W)`` in ``[0, 1]`` as an 8-bit image file; the format follows the suffix.

    ``metadata`` (PNG only) is stored as text chunks: for example the tile grid of a puzzle, never its solution.
    """
    path = check_image_output(path, force)
    fmt = IMAGE_SUFFIXES[path.suffix.lower()]
    pil = to_pil(image)
    options = {}
    if metadata and fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in metadata.items():
            info.add_text(key, str(value))
        options["pnginfo"] = info
    atomic_write(path, lambda handle: pil.save(handle, format=fmt, **options))
    return path


def image_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(width, height)`` of an image file as :func:`read_image` returns it (EXIF orientation applied), from its
    header (nothing decoded); ``None`` for what is no readable image or no regular file."""
    if not is_regular_file(path):
        return None
    try:
        with _no_pillow_limit(), Image.open(path) as image:
            width, height = image.size
            turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)  # a quarter turn swaps the sides
            return (height, width) if turned else (width, height)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


ORIENTATION = 0x0112
"""The EXIF tag of how a camera held the picture (1: upright; 5 to 8: turned by a quarter)."""


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """Text metadata of a PNG written by :func:`write_image` (empty for other files)."""
    if not is_regular_file(path):
        return {}
    try:
        with _no_pillow_limit(), Image.open(path) as image:
            if image.size[0] * image.size[1] > max_pixels():
                return {}  # reading text after the pixels would decode them; read_image refuses the file anyway
            return {k: v for k, v in getattr(image, "text", {}).items() if isinstance(v, str)}
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return {}


SKIMAGE_PHOTOGRAPHS = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "immunohistochemistry",
    "coins",
    "moon",
)


def skimage_photographs() -> dict[str, Tensor]:
    """The photographs that ship inside scikit-image (no download), as ``(C, H, W)`` tensors in [0, 1]."""
    from skimage import data as samples

    return {name: from_8bit(getattr(samples, name)()) for name in SKIMAGE_PHOTOGRAPHS}


def read_image_folder(folder: str | os.PathLike) -> dict[str, Tensor]:
    """Every readable image file in ``folder`` (sorted by name)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise JigsawError(f"{folder}: no such folder")
    images = {p.name: read_image(p) for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}
    if not images:
        raise JigsawError(f"{folder}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return images


def resize_to_cover(image: Tensor, height: int, width: int) -> Tensor:
    """Scale ``(C, H, W)`` (Lanczos, aspect kept) so it covers ``height x width``, then crop the centre."""
    c, h, w = image.shape
    scale = max(height / h, width / w)
    if scale != 1.0:
        size = (max(width, round(w * scale)), max(height, round(h * scale)))
        image = from_8bit(to_pil(image).resize(size, Image.Resampling.LANCZOS))
        h, w = image.shape[1:]
    top, left = (h - height) // 2, (w - width) // 2
    return image[:, top : top + height, left : left + width].contiguous()


CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")
"""The corner windows of :func:`corner_windows`, in their order."""


def corner_windows(image: Tensor, height: int, width: int) -> dict[str, Tensor]:
    """The four ``height x width`` windows ``(C, height, width)`` in the corners of ``(C, H, W)``, at the image's own
    resolution, keyed by :data:`CORNERS`: more puzzles from one photograph, each with its own mix of textured and
    flat regions (a corner of sky, of ground), where a scaled whole photograph mixes them all."""
    _, h, w = image.shape
    if height > h or width > w:
        raise JigsawError(f"a {w}x{h} image has no {width}x{height} corner windows")
    tops, lefts = (0, 0, h - height, h - height), (0, w - width, 0, w - width)
    return {
        corner: image[:, top : top + height, left : left + width].contiguous()
        for corner, top, left in zip(CORNERS, tops, lefts)
    }


def crop_to_multiple(image: Tensor, tile_h: int, tile_w: int) -> Tensor:
    """Centre crop ``(C, H, W)`` so the sides are multiples of the tile size."""
    if tile_h < 1 or tile_w < 1:
        raise JigsawError(f"tile size must be at least 1 pixel, got {tile_w}x{tile_h}")
    _, h, w = image.shape
    height, width = h // tile_h * tile_h, w // tile_w * tile_w
    if height == 0 or width == 0:
        raise JigsawError(f"a {w}x{h} image is smaller than one {tile_w}x{tile_h} tile")
    return centre_crop(image, height, width)


def jpeg_round_trip(image: Tensor, quality: int) -> Tensor:
    """``(C, H, W)`` as it comes back from a JPEG file of ``quality`` (1-95): blockiness, blur and colour loss."""
    import io

    buffer = io.BytesIO()
    to_pil(image).save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return from_8bit(decoded.convert("L" if image.shape[0] == 1 else "RGB"))


def centre_crop(image: Tensor, height: int, width: int) -> Tensor:
    """The centre ``height x width`` of ``(C, H, W)``."""
    _, h, w = image.shape
    top, left = (h - height) // 2, (w - width) // 2
    return image[:, top : top + height, left : left + width].contiguous()
