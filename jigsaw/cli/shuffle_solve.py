"""``jigsaw shuffle``, ``jigsaw solve`` and ``jigsaw demo``: make puzzles and solve them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from jigsaw.cli.common import (
    MAX_SEED,
    Bar,
    Dataset,
    DeviceOption,
    ForceOption,
    Mode,
    app,
    command,
    examples,
    note,
    say,
    warn,
)


@command(
    app,
    epilog=examples(
        "jigsaw shuffle photo.png puzzle.png --mode tiles --grid 8x8 --seed 1",
        "jigsaw shuffle photo.png puzzle.png --mode tiles --tile 28 --crop --rotate",
        "jigsaw shuffle digit.png scrambled.png",
    ),
)
def shuffle(
    image: Annotated[Path, typer.Argument(help="Image file to shuffle (PNG, JPEG, ...; grayscale or RGB).")],
    out: Annotated[Path, typer.Argument(help="Where to write the shuffled image (PNG keeps every pixel exact).")],
    mode: Annotated[Mode, typer.Option(help="Shuffle every pixel, or square tiles of a grid.")] = Mode.pixels,
    grid: Annotated[
        Optional[str], typer.Option(help="Tiles mode: ROWSxCOLS grid (4x4 when neither --grid nor --tile is given).")
    ] = None,
    tile: Annotated[Optional[int], typer.Option(help="Tiles mode: tile side in pixels (instead of --grid).")] = None,
    crop: Annotated[
        bool,
        typer.Option(
            "--crop",
            metavar="",
            help="Tiles mode: centre-crop the image to the largest size the grid or tile size divides, instead of "
            "refusing it.",
        ),
    ] = False,
    rotate: Annotated[
        bool,
        typer.Option(
            "--rotate",
            metavar="",
            help="Tiles mode: also turn every tile by a random quarter turn (square tiles only); the PNG records "
            "that tiles were turned, never how.",
        ),
    ] = False,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Seed of the random permutation (and of the turns).")
    ] = 0,
    force: ForceOption = False,
) -> None:
    """Shuffle the pixels or the tiles of an image file. The output stores no solution, only the tile grid."""
    from jigsaw.files import check_image_output
    from jigsaw.puzzles import shuffle_file

    check_image_output(out, force, inputs=(image,))
    what, warnings = shuffle_file(image, out, mode.value, grid, tile, crop, seed, force, rotate)
    for warning in warnings:
        warn(warning)
    say(f"shuffled {what} of {image} (seed {seed}) -> {out}")


@command(
    app,
    epilog=examples(
        "jigsaw solve puzzle.png --out solved.png --mode tiles",
        "jigsaw solve puzzle.png --out solved.png --mode tiles --grid 18x24 --rotations",
        "jigsaw solve scrambled.png --out digit.png --label 7",
        "jigsaw solve puzzles/ --out solved/ --labels labels.csv",
    ),
)
def solve(
    puzzle: Annotated[
        Path,
        typer.Argument(
            help="Shuffled image made by `jigsaw shuffle` (or any such image), or a folder of them (every PNG)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Where to write the solved image (a folder when PUZZLE is one).")],
    mode: Annotated[
        Optional[Mode],
        typer.Option(
            help="pixels: sortGAN on a 28x28 digit; tiles: tile jigsaw (default: the mode the puzzle records)."
        ),
    ] = None,
    label: Annotated[
        Optional[int],
        typer.Option(
            help="Pixels: class 0-9. Give it when you know it: omitted, it is guessed from the pixel values alone "
            "(a shuffle keeps which values occur), which `jigsaw evaluate` finds right for 31 % of MNIST and 41 % of "
            "FashionMNIST test images."
        ),
    ] = None,
    labels: Annotated[
        Optional[Path],
        typer.Option(help="A folder of pixel puzzles: CSV with the header file,label and one row per puzzle."),
    ] = None,
    model: Annotated[
        Optional[Path],
        typer.Option(
            help="Pixels: sortGAN checkpoint; tiles, learned method: piece-solver checkpoint (default: bundled for "
            "--dataset)."
        ),
    ] = None,
    dataset: Annotated[Dataset, typer.Option(help="Which bundled model to use.")] = Dataset.mnist,
    method: Annotated[
        Optional[str],
        typer.Option(
            help="Pixels: sortgan (default), or classifier (frozen-classifier solver, needs --label and "
            "--classifiers). Tiles: seams (default), or learned (the piece solver, for 28x28 grayscale puzzles; "
            "chosen by itself where a bundled model has the puzzle's grid)."
        ),
    ] = None,
    classifiers: Annotated[
        Optional[Path], typer.Option(help="Pixels, classifier method: folder from `jigsaw train solver-nets`.")
    ] = None,
    steps: Annotated[int, typer.Option(min=1, help="Pixels, classifier method: optimisation steps.")] = 200,
    grid: Annotated[Optional[str], typer.Option(help="Tiles: ROWSxCOLS (default: from the PNG's metadata).")] = None,
    tile: Annotated[Optional[int], typer.Option(help="Tiles: tile side in pixels (instead of --grid).")] = None,
    rotations: Annotated[
        bool,
        typer.Option(
            "--rotations",
            metavar="",
            help="Tiles: the tiles may be turned (default: what the puzzle records); the solution is turned upright "
            "by the rule that the top of a photo is brighter than its bottom.",
        ),
    ] = False,
    seam_weight: Annotated[
        Optional[float],
        typer.Option(
            min=0,
            help="Tiles, learned method: how much the pieces' seams count against the network's scores when its "
            "placement is mended (default: the model's own weight; 0: not mended).",
        ),
    ] = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Solve a shuffled image: pixels with a trained sortGAN, tiles with the edge-compatibility solver.
    Both solvers are deterministic: the same puzzle always gives the same answer."""
    from jigsaw.devices import resolve_device
    from jigsaw.errors import JigsawError
    from jigsaw.files import check_image_output, write_image
    from jigsaw.pixels.solvers import SolverSettings, solve_digit
    from jigsaw.puzzles import puzzle_mode

    tile_method = method in TILE_METHODS
    pixel_method = method or "sortgan"
    settings = SolverSettings(dataset.value, model=model, classifiers=classifiers, device=str(resolve_device(device)))
    if seam_weight is not None and (method != "learned" or puzzle.is_dir()):
        raise JigsawError("--seam-weight is for one puzzle solved with --method learned (the piece solver)")
    if puzzle.is_dir():
        _solve_folder(puzzle, out, settings, pixel_method, labels, mode, label, grid, tile, steps, force, rotations)
        return
    if labels is not None:
        raise JigsawError("--labels is for a folder of puzzles; for one puzzle give --label")
    check_image_output(out, force, inputs=(puzzle,))
    named = method is not None or model is not None
    pixel_options = label is not None or classifiers is not None or (named and not tile_method)
    if tile_method or (mode.value if mode else puzzle_mode(puzzle, grid, tile, pixel_options)) == "tiles":
        if pixel_options:
            raise JigsawError(f"{puzzle} is a tile puzzle: --label, --classifiers and --method {method} are for pixels")
        _solve_tiles(
            puzzle, out, grid, tile, rotations, force, method, model, dataset.value, settings.device, seam_weight
        )
        return
    method = pixel_method
    if grid is not None or tile is not None or rotations:
        raise JigsawError("--grid, --tile and --rotations only apply to --mode tiles")
    with Bar("optimising pixel positions", total=steps) as bar:  # shown by the classifier method only
        recovered, solved_label = solve_digit(method, puzzle, label, settings, steps, bar)
    write_image(recovered, out, force=force)
    if method == "classifier":
        say(f"recovered {puzzle} as class {label} with the frozen classifiers -> {out}")
    else:
        say(f"recovered {puzzle} as class {solved_label}{'' if label is not None else ' (guessed)'} -> {out}")


def _solve_folder(
    folder: Path,
    out: Path,
    settings: Any,
    method: str,
    labels: Optional[Path],
    mode: Optional[Mode],
    label: Optional[int],
    grid: Optional[str],
    tile: Optional[int],
    steps: int,
    force: bool,
    rotations: bool,
) -> None:
    from jigsaw.errors import JigsawError
    from jigsaw.puzzle_folders import solve_folder

    if label is not None or grid is not None or tile is not None:
        raise JigsawError("a folder of puzzles takes --labels (a CSV), not --label, --grid or --tile")
    with Bar(f"solving the puzzles in {folder}", total=None) as bar:
        done = solve_folder(
            folder, out, settings, method, labels, mode.value if mode else None, steps, force, bar, rotations
        )
    guessed = f", {done.guessed} classes guessed" if done.guessed else ""
    say(f"solved {done.pixels} pixel and {done.tiles} tile puzzles of {folder} -> {out}{guessed}")
    if done.low_confidence:
        more = f" and {len(done.low_confidence) - 1} more" if len(done.low_confidence) > 1 else ""
        warn(f"the seams do not trust the solution of {done.low_confidence[0]}{more}: likely wrong in places")


TILE_METHODS = ("seams", "learned")


def _solve_tiles(
    puzzle: Path,
    out: Path,
    grid: Optional[str],
    tile: Optional[int],
    rotations: bool,
    force: bool,
    method: Optional[str] = None,
    model: Optional[Path] = None,
    dataset: str = "mnist",
    device: str = "cpu",
    seam_weight: Optional[float] = None,
) -> None:
    from jigsaw.errors import JigsawError
    from jigsaw.files import write_image
    from jigsaw.pieces.solve import bundled_path, fits_bundled, solve_piece_puzzle
    from jigsaw.puzzles import read_tile_puzzle
    from jigsaw.tiles.solver import LOW_CONFIDENCE, solve_puzzle

    tiles = read_tile_puzzle(puzzle, grid, tile)
    rows, cols = tiles.rows, tiles.cols
    if tiles.note:
        note(tiles.note)
    learned = method == "learned" or (method is None and fits_bundled(tiles.image, rows, cols, dataset))
    if learned:
        if rotations or tiles.turned:
            raise JigsawError("the learned piece solver places pieces of known orientation; drop --rotations")
        path = model or bundled_path(dataset, rows)
        if model is None and not path.exists():
            raise JigsawError(f"no bundled {dataset} piece solver for {rows}x{cols} pieces; give --model CKPT")
        if method is None:
            note(
                f"a {rows}x{cols} grayscale 28x28 puzzle: solved by the bundled {dataset} piece solver "
                "(--method seams: by the seams)"
            )
        recovered = solve_piece_puzzle(tiles.image, rows, cols, path, device, seam_weight)
        write_image(recovered, out, force=force)
        say(f"placed {rows}x{cols} pieces of {puzzle} with the piece solver {path.name} -> {out}")
        return
    with Bar(f"solving {rows}x{cols} tiles", total=None) as bar:
        solution = solve_puzzle(tiles.image, rows, cols, bar, tiles.lossy, rotations or tiles.turned)
    write_image(solution.image, out, force=force)
    say(f"solved {rows}x{cols} tiles of {puzzle} -> {out} (confidence {solution.confidence:.2f})")
    if solution.confidence < LOW_CONFIDENCE:
        warn(
            f"only {solution.confidence:.0%} of the seams join mutual best matches: the solution is likely wrong "
            f"in places; if {rows}x{cols} is not the puzzle's grid, pass the right --grid or --tile"
        )


@command(app, epilog=examples("jigsaw demo --out demo.png", "jigsaw demo --dataset fashion-mnist --seed 3 --out f.png"))
def demo(
    out: Annotated[Path, typer.Option(help="Side-by-side PNG: original | shuffled | recovered.")] = Path("demo.png"),
    dataset: Annotated[Dataset, typer.Option(help="Bundled test images and model to use.")] = Dataset.mnist,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the shuffle.")] = 0,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Shuffle ten bundled test images (one per class), solve them with the bundled sortGAN, write a PNG.
    Needs no dataset and no training."""
    from jigsaw.devices import resolve_device
    from jigsaw.files import check_image_output
    from jigsaw.pixels.sortgan import write_demo

    check_image_output(out, force)
    write_demo(dataset.value, seed, out, force, resolve_device(device))
    say(f"wrote {out}: columns original, shuffled (seed {seed}), recovered by sortGAN")
