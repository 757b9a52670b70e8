"""MkDocs hook: each ``<!-- jigsaw-results NAME -->`` line of a page becomes the table of ``docs/results/NAME.json``,
so a results table in these pages is never typed by hand: it is the committed file the benchmark wrote."""

import json
import math
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"
MARKER = re.compile(r"^<!-- jigsaw-results (\S+) -->$", re.MULTILINE)
SORTING_PUBLISHED = {3: (0.930, 0.951), 5: (0.837, 0.927), 7: (0.738, 0.909), 9: (0.649, 0.896), 15: (0.386, 0.857)}
"""NeuralSort's Table 1 (Grover et al., ICLR 2019), deterministic NeuralSort, as reported."""
ESTIMATORS = ("ste", "neuralsort", "softsort", "gumbel-sinkhorn", "softrank", "diffsort")


def sorting(rows: list[dict]) -> str:
    lengths = sorted({r["n"] for r in rows})
    lines = ["| estimator | " + " | ".join(f"n = {n}" for n in lengths) + " |", "|---" * (len(lengths) + 1) + "|"]
    for estimator in ESTIMATORS:
        cells = []
        for n in lengths:
            mine = [r for r in rows if r["estimator"] == estimator and r["n"] == n]
            exact = sum(r["exact"] for r in mine) / len(mine) if mine else None
            element = sum(r["elementwise"] for r in mine) / len(mine) if mine else None
            cells.append("—" if exact is None else f"{exact:.3f} ({element:.3f})")
        if any(c != "—" for c in cells):
            lines.append(f"| {estimator} | " + " | ".join(cells) + " |")
    published = [
        f"{SORTING_PUBLISHED[n][0]:.3f} ({SORTING_PUBLISHED[n][1]:.3f})" if n in SORTING_PUBLISHED else "—"
        for n in lengths
    ]
    lines.append("| NeuralSort as published (Grover et al. 2019, Table 1) | " + " | ".join(published) + " |")
    return "\n".join(lines)


def index_estimators(rows: list[dict]) -> str:
    lines = ["| estimator of the kernels | epochs | test accuracy | seconds |", "|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['estimator']} | {row['epochs']} | {row['test_accuracy']:.2%} | {row['seconds']:.0f} |")
    return "\n".join(lines)


def pieces(rows: list[dict]) -> str:
    lines = [
        "| dataset | grid | method | epochs | test images | pieces right | perfect | PSNR dB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        method = row["method"] + (f" (weight {row['seam_weight']:g})" if "seam_weight" in row else "")
        lines.append(
            f"| {row['dataset']} | {row['grid']}×{row['grid']} | {method} | {row.get('epochs', '—')} | "
            f"{row['images']:,} | {row['pieces_right']:.2%} | {row['perfect']:.2%} | {row['psnr']:.1f} |"
        )
    return "\n".join(lines)


def pieces_glance(rows: list[dict]) -> str:
    """``pieces.json`` pivoted for the README: pieces placed right, one row per dataset and grid, one column per
    method (the best estimator in bold; the bundled model mended by the seams beside them); at G = 28 the pixel
    solvers in one cell."""
    pixel = " (label given)"
    unlearned = ("seams", "bundled + seams")
    methods = [m for m in dict.fromkeys(row["method"] for row in rows) if not m.endswith(pixel)]
    methods = [m for m in methods if m not in unlearned] + [m for m in unlearned if m in methods]
    lines = [
        "| dataset | grid | " + " | ".join(methods) + " | pixel solvers, label given |",
        "|---|---|" + "---|" * (len(methods) + 1),
    ]
    for dataset, grid in dict.fromkeys((row["dataset"], row["grid"]) for row in rows):
        mine = {row["method"]: row["pieces_right"] for row in rows if (row["dataset"], row["grid"]) == (dataset, grid)}
        learned = [mine[m] for m in methods if m in mine and m not in unlearned]
        cells = []
        for method in methods:
            value = mine.get(method)
            text = "" if value is None else f"{value:.2%}"
            cells.append(f"**{text}**" if value is not None and learned and value == max(learned) else text)
        pixels = ", ".join(f"{m.removesuffix(pixel)} {v:.1%}" for m, v in mine.items() if m.endswith(pixel))
        lines.append(f"| {dataset} | {grid}×{grid} | " + " | ".join(cells) + f" | {pixels} |")
    return "\n".join(lines)


def tiles_mit(report: dict) -> str:
    """The MIT set's mean rows, orientation known (``tiles_mit-432.json``) and unknown (``..._rotated.json``)."""
    lines = [
        "| MIT set, 432 pieces | mean direct | mean neighbour | perfect | mean time | worst neighbour |",
        "|---|---|---|---|---|---|",
    ]
    settings = (
        ("orientation known", "tiles_mit-432"),
        ("orientation unknown (`--rotations`)", "tiles_mit-432_rotated"),
    )
    for title, name in settings:
        rows = json.loads((RESULTS / f"{name}.json").read_text())["rows"]
        mean = next(r for r in rows if r["image"] == "mean")
        worst = next(r for r in rows if r["image"].startswith("worst"))
        cells = [
            f"{mean['direct %']:.1f} %",
            f"{mean['neighbour %']:.1f} %",
            f"{mean['perfect']} of 20",
            f"{mean['seconds']:.2f} s",
            f"{worst['neighbour %']:.1f} % ({worst['image'][7:]})",
        ]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tiles_per_photo(detail: dict) -> str:
    """``bench_tiles_per_image.json``: the 432-tile puzzles, one column per photograph, best first."""
    results = sorted(detail["432 tiles (28 px, 504x672)"], key=lambda r: -r["neighbour"])
    percent = lambda value: (f"{value:.0%}" if value == 1 else f"{value:.1%}").replace("%", " %")
    lines = [
        "| | " + " | ".join(r["image"].replace("immuno", "immuno&shy;") for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
        "| neighbour | " + " | ".join(percent(r["neighbour"]) for r in results) + " |",
        "| best candidate | " + " | ".join(percent(r["best candidate"]) for r in results) + " |",
        "| cost ratio | " + " | ".join(f"{r['cost ratio']:.2f}" for r in results) + " |",
    ]
    return "\n".join(lines)


def tiles_untuned(reports: list[dict]) -> str:
    """One row per ``tiles_untuned_*.json`` (``scripts/bench_untuned_tiles.sh``): a set, a size and an orientation;
    the worst puzzle's PSNR against the photograph where the run measured it (``--near``)."""
    lines = [
        "| set | pieces | tile | orientation | shuffles | mean direct | within 2 grey levels | mean neighbour "
        "| perfect | mean time | worst neighbour |",
        "|---" * 11 + "|",
    ]
    for report in reports:
        rows = report["rows"]
        mean = next(r for r in rows if r["image"] == "mean")
        worst = next(r for r in rows if r["image"].startswith("worst"))
        shuffles = len(rows) - 2
        name = report["benchmark"].removeprefix("bench_tile_sets_").split("_")
        if re.fullmatch(r"\d+x\d+", name[1]):
            size = f" at {name[1]}"
        elif name[1].endswith("-corners"):
            size = f", corners of {name[1].removesuffix('-corners')}"
        else:
            size = ", its own size"
        cells = [
            f"{name[0]}{size}",
            f"{rows[0]['tiles']:,}",
            next(part for part in name if re.fullmatch(r"\d+px", part)).replace("px", " px"),
            "unknown" if "rotated" in name else "known",
            str(shuffles),
            f"{mean['direct %']:.1f} %",
            f"{mean['direct ≈ %']:.1f} %" if "direct ≈ %" in mean else "",
            f"{mean['neighbour %']:.1f} %",
            f"{mean['perfect']} of {shuffles}",
            f"{mean['seconds']:.2f} s",
            f"{worst['neighbour %']:.1f} % ({worst['image'][7:]}, seed {worst['seed']}"
            + (f"; PSNR {worst['PSNR dB']:.1f} dB)" if "PSNR dB" in worst else ")"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(report: dict) -> str:
    """``jigsaw evaluate``'s ``metrics.json``: the floor, two baselines and sortGAN."""
    shown = {"shuffled": "shuffled (floor)", "class-mean": "class-mean", "knn": f"knn (k = {report['knn_k']})"}
    shown["sortgan"] = "sortGAN (bundled)"
    lines = [f"| {report['dataset']} | MSE | PSNR dB | judge acc. | Fréchet |", "|---|---|---|---|---|"]
    for method, title in shown.items():
        row = report["results"][method]
        lines.append(
            f"| {title} | {row['mse']:.4f} | {row['psnr']:.2f} | {row['accuracy']:.2%} | {row['frechet']:.2f} |"
        )
    return "\n".join(lines)


def classifier_ablation(report: dict) -> str:
    """``ablate_classifier_solver.json``: each term of the frozen-classifier solver, then sortGAN and the baselines
    on the same puzzles (the originals' row, the metrics' ceiling, left out)."""
    names = {"sortgan": "sortGAN (bundled)", "knn": "knn (k = 50)"}
    lines = [
        "| method | MSE | PSNR dB | SSIM | judge acc. | retrieval@1 | Fréchet | images/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        if row["method"] == "original":
            continue
        speed = "—" if row["method"] == "shuffled" else f"{row['images_per_second']:,.0f}"
        lines.append(
            f"| {names.get(row['method'], row['method'])} | {row['mse']:.3f} | {row['psnr']:.2f} | {row['ssim']:.3f} "
            f"| {row['accuracy']:.1%} | {row['retrieval@1']:.1%} | {row['frechet']:.1f} | {speed} |".replace("%", " %")
        )
    return "\n".join(lines)


def tile_scale(report: dict) -> str:
    """``bench_tile_scale*.json``: time, memory and accuracy against the tile count, a refusal where it refused."""
    lines = [
        "| tile | tiles | cost table | seconds | solver's peak memory | N×N estimate | neighbour |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        head = f"| {row['tile px']} px | {row['tiles']:,} | {row.get('table', '')} | "
        if row["refused"]:
            lines.append(head + f'refused: "{row["refused"]} …" | | {row["estimate GiB"]:.2f} GiB | |')
            continue
        lines.append(
            head
            + f"{row['seconds']:.1f} | {row['solver GiB']:.2f} GiB | {row['estimate GiB']:.2f} GiB | "
            f"{row['neighbour %']:.1f} % |".replace(".0 %", " %")
        )
    ran = [row for row in report["rows"] if row["seconds"] is not None]
    slope = lambda key: _slope([math.log(r["tiles"]) for r in ran], [math.log(r[key]) for r in ran])
    lines.append(
        f"\nGrowth exponents over the sizes that ran (log-log least squares): time {slope('seconds'):.2f}, "
        f"memory {slope('solver GiB'):.2f}."
    )
    return "\n".join(lines)


def _slope(x: list[float], y: list[float]) -> float:
    mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
    return sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y)) / sum((a - mean_x) ** 2 for a in x)


def benchmark_report(report: dict) -> str:
    """Any ``benchmarks/`` report as its script printed it: one column per key, numbers to three decimals, and the
    machine and thread count below."""
    columns = list(report["rows"][0])
    cell = lambda value: f"{value:,.3f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in report["rows"]]
    machine = report["machine"]
    threads, torch = machine["torch_threads"], machine["torch"]
    lines.append(f"\n({machine['cpu_count']} cores, {threads} torch thread(s), torch {torch})")
    return "\n".join(lines)


THESIS_CLOSE = 0.3
"""A cell at most this many points below the thesis (or above it) is set in bold: the index optimizer's goal."""


def thesis_tables(report: dict) -> str:
    """``benchmarks/reproduce_tables.py``'s cells: best test accuracy %, the thesis' figure in brackets where it has
    one, then the epochs trained; a cell not trained yet says so, and a row with no cell trained is left out (a table
    of some cells only, e.g. the sparse ones without shifts)."""
    lines = ["| init, mode | layer | out_channel | kernel |", "|---|---|---|---|"]
    for row in report["rows"]:
        if all(row[granularity] == "" for granularity in ("layer", "out_channel", "kernel")):
            continue
        cells = []
        for granularity in ("layer", "out_channel", "kernel"):
            value, thesis, epochs = row[granularity], row.get(f"{granularity} thesis", ""), row[f"{granularity} epochs"]
            if epochs == "":  # no such cell (plain Adam trains no granularity)
                cells.append("")
            elif value == "":
                cells.append("not measured yet")
            else:
                close = thesis != "" and value >= thesis - THESIS_CLOSE
                text = f"**{value:.2f}**" if close else f"{value:.2f}"
                cells.append(text + (f" ({thesis:.2f})" if thesis != "" else "") + f" {epochs}")
        lines.append(f"| {row['init']}, {row['mode']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def thesis_glance(report: dict) -> str:
    """The straight-through rows of :func:`thesis_tables` for the README: ours, the thesis in brackets."""
    lines = ["| init, straight-through | layer | out_channel | kernel |", "|---|---|---|---|"]
    for row in report["rows"]:
        if row["mode"] == "STE":
            cells = [
                "not measured yet" if row[g] == "" else f"{row[g]:.2f} ({row[f'{g} thesis']:.2f})"
                for g in ("layer", "out_channel", "kernel")
            ]
            lines.append(f"| {row['init']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _recipe(row: dict) -> str:
    """A sortGAN row's recipe in words: what differs from the bundled recipe, then the epochs."""
    discriminator = "MLP" if row["discriminator"] == "mlp" else row["discriminator"]
    parts = [f"{discriminator} discriminator, adversarial weight {row['adversarial_weight']:g}"]
    parts += ["`--generator conv`"] if row["generator"] == "conv" else []
    parts += ["`--spectral-norm`"] if row["spectral_norm"] else []
    parts += [f"`--ema {row['ema']:g}`"] if row["ema"] else []
    parts += [f"score weight {row['score_weight']:g}"] if row["score_weight"] != 100 else []
    return ", ".join(parts) + f", {row['epochs']} epochs"


def _recipe_order(row: dict) -> tuple:
    """The bundled recipe's variations in the order ``docs/sortgan.md`` tells them, the bundled model last."""
    return (
        row["solver"] == "sortgan (bundled)",
        row["discriminator"] != "mlp",
        row["generator"] != "mlp",
        row["spectral_norm"],
        row["ema"],
        row["score_weight"] != 100,
        row["adversarial_weight"],
        row["epochs"],
    )


def sortgan_family(report: dict) -> str:
    """``perception_distortion.json``'s sortGAN rows, one table per dataset in recipe order: PSNR, Fréchet distance
    and the baselines that are both closer and more realistic (``-``: none)."""
    baselines = {row["solver"] for row in report["rows"] if "epochs" not in row}
    tables = []
    for dataset in dict.fromkeys(row["dataset"] for row in report["rows"]):
        models = [row for row in report["rows"] if row["dataset"] == dataset and "epochs" in row]
        lines = [f"| {dataset}: sortGAN | PSNR dB | Fréchet | dominated by |", "|---|---|---|---|"]
        for row in sorted(models, key=_recipe_order):
            name = row["solver"].removeprefix("sortgan ")
            shown = f"**bundled**: {_recipe(row)}, int8" if name == "(bundled)" else f"{_recipe(row)} (`{name}`)"
            beaten = set(row["dominated by"].split(", ")) == baselines and "every baseline" or row["dominated by"]
            lines.append(f"| {shown} | {row['PSNR dB']:.2f} | {row['Fréchet']:.2f} | {beaten} |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables)


TABLES = {
    "bench_permute": benchmark_report,
    "bench_tiles": benchmark_report,
    "bench_index_optim": benchmark_report,
    "bench_device": benchmark_report,
    "bench_solve": benchmark_report,
    "evaluate_mnist": evaluate,
    "evaluate_fashion-mnist": evaluate,
    "sorting": sorting,
    "index_estimators": index_estimators,
    "pieces": pieces,
    "pieces_glance": pieces_glance,
    "thesis_glance": thesis_glance,
    "tiles_mit-432": tiles_mit,
    "bench_tiles_per_image": tiles_per_photo,
    "ablate_classifier_solver": classifier_ablation,
    "bench_tile_scale": tile_scale,
    "bench_tile_scale_large": tile_scale,
    "reproduce_tables_lenet5-caffe": thesis_tables,
    "reproduce_tables_lenet5": thesis_tables,
    "reproduce_tables_lenet5_tables-noshift": thesis_tables,
    "reproduce_tables_lenet5_tables-raw": thesis_tables,
    "perception_distortion": sortgan_family,
}


GATHERED = {"tiles_untuned": tiles_untuned}
"""Tables drawn from every ``docs/results/NAME_*.json`` (in name order) rather than from one file."""


VIEWS = {"pieces_glance": "pieces", "thesis_glance": "reproduce_tables_lenet5-caffe"}
"""Tables drawn from another table's file: ``{view: the JSON's name}``."""


def table(name: str) -> str:
    if name in GATHERED:
        paths = sorted(RESULTS.glob(f"{name}_*.json"))
        if not paths:
            return f"*Not measured yet: `docs/results/{name}_*.json` are written by the command above.*"
        return GATHERED[name]([json.loads(path.read_text()) for path in paths])
    path = RESULTS / f"{VIEWS.get(name, name)}.json"
    if not path.exists():
        return f"*Not measured yet: `docs/results/{path.name}` is written by the command above.*"
    return TABLES[name](json.loads(path.read_text()))


def on_page_markdown(text, page, config, files):
    return MARKER.sub(lambda match: table(match.group(1)), text)


README_BLOCK = re.compile(r"(<!-- jigsaw-results (\S+) begin -->\n).*?(\n<!-- jigsaw-results \2 end -->)", re.S)


def refresh_readme(text: str) -> str:
    """``text`` (the README, which GitHub shows as it is) with each block between ``<!-- jigsaw-results NAME begin
    -->`` and ``... end -->`` redrawn from ``docs/results/NAME.json``."""
    return README_BLOCK.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(3), text)


if __name__ == "__main__":  # python docs/hooks/results_tables.py: redraw the README's results tables
    readme = RESULTS.parents[1] / "README.md"
    readme.write_text(refresh_readme(readme.read_text()))
    print(f"redrew the results tables of {readme}")
