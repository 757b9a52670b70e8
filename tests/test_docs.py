"""The docs cannot rot: every command they quote parses against the real CLI, every script they name exists, the
README stays short, and nothing in the repository speaks of how it was built instead of what it is."""

import re
import subprocess
from pathlib import Path

import pytest

from jigsaw.cli.reference import check_command_line, markdown

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"```(?:bash|sh|console)?\n(.*?)```", re.S)
INLINE = re.compile(r"`((?:\.venv/bin/)?jigsaw [^`]+)`")
PLACEHOLDER = re.compile(r"\[|\]|…|\||\b[A-Z]+\b|RUN/|\.\.\.")


def quoted_commands() -> list[tuple[str, str, bool]]:
    """``(page, command line, complete)`` for every ``jigsaw`` command quoted in the README and the docs: whole
    lines of code blocks (also after ``torchrun … -m``; complete commands) and inline code (which may name a command
    in passing), placeholders such as ``N`` or ``[--seed S]`` left out (usage summaries, not commands)."""
    found = []
    for page in PAGES:
        text = page.read_text()
        blocks = [line for block in FENCE.findall(text) for line in block.replace("\\\n", " ").splitlines()]
        for line, complete in [*((b, True) for b in blocks), *((i, False) for i in INLINE.findall(text))]:
            line = re.sub(r"^.*?-m jigsaw ", "jigsaw ", line.strip())
            line = re.sub(r"^\.venv/bin/", "", line)
            line = re.sub(r"^[A-Z_]+=\S+ ", "", line)
            if not line.startswith("jigsaw ") or PLACEHOLDER.search(line.split("#")[0]):
                continue
            found.append((page.relative_to(REPO).as_posix(), line.split("  #")[0].split(" # ")[0].strip(), complete))
    return found


COMMANDS = quoted_commands()


def test_the_docs_quote_many_commands():
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("page,line,complete", COMMANDS, ids=[f"{p}: {c[:60]}" for p, c, _ in COMMANDS])
def test_every_quoted_command_parses_against_the_real_cli(page, line, complete):
    check_command_line(line, complete)


def test_a_wrong_option_would_be_caught():
    with pytest.raises(Exception, match="No such option"):
        check_command_line("jigsaw solve p.png --out s.png --rotation")
    with pytest.raises(Exception, match="kernels"):
        check_command_line("jigsaw train index-opt --out r --granularity kernels")
    with pytest.raises(Exception, match="No such option"):
        check_command_line("jigsaw evaluate --metod knn", complete=False)  # named in prose: --out may be missing
    with pytest.raises(ValueError, match="no such command"):
        check_command_line("jigsaw train gan --out r")


SCRIPT = re.compile(r"(?:python3? )?((?:benchmarks|scripts)/[\w./-]+\.(?:py|sh))")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_named_script_exists(page):
    for path in SCRIPT.findall(page.read_text()):
        assert (REPO / path).exists(), f"{page.name} names {path}, which does not exist"


def test_the_readme_is_read_in_five_minutes():
    assert len((REPO / "README.md").read_text().splitlines()) <= 200


def test_every_command_group_has_a_generated_reference_page():
    pages = "\n".join(p.read_text() for p in (REPO / "docs" / "cli").glob("*.md"))
    commands = ("shuffle", "solve", "demo", "evaluate", "train index-opt", "train sortgan", "train piece-solver")
    for path in (*commands, "plot weights"):
        assert f"<!-- jigsaw-cli {path} -->" in pages
        assert f"`jigsaw {path}`" in markdown(path)
    assert "`--granularity`" in markdown("train index-opt") and "layer \\| out_channel \\| kernel" in markdown(
        "train index-opt"
    )


def test_nothing_speaks_of_how_it_was_built():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    process = re.compile(r"\bsessions?\b|\bthis turn\b|\bwas lent\b", re.I)
    for name in tracked:
        path = REPO / name
        if path.suffix not in {".md", ".py", ".sh", ".toml", ".yml", ".txt", ""} or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            if process.search(line.replace('scope="session"', "")) and "process = re.compile" not in line:
                raise AssertionError(f"{name}:{number}: {line.strip()}")


def results_tables():
    """``docs/hooks/results_tables.py``, the hook that draws the results tables (not a package: loaded by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("results_tables", REPO / "docs" / "hooks" / "results_tables.py")
    assert spec is not None and spec.loader is not None
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    return tables


def test_every_results_table_of_the_docs_has_its_json():
    """Each ``<!-- jigsaw-results NAME -->`` of a page draws a table from committed JSON, none a "not measured"."""
    tables = results_tables()
    for page in PAGES:
        for name in tables.MARKER.findall(page.read_text()):
            drawn = tables.table(name)
            assert drawn.startswith("|"), f"{page.name}: {name}: {drawn}"


def test_the_readme_results_tables_are_drawn_from_their_json():
    """The README's results blocks are what ``python docs/hooks/results_tables.py`` draws from ``docs/results``."""
    tables = results_tables()
    readme = (REPO / "README.md").read_text()
    assert "<!-- jigsaw-results sorting begin -->" in readme
    assert tables.refresh_readme(readme) == readme, "run: python docs/hooks/results_tables.py"


def test_the_sortgan_family_table_names_each_recipe_and_its_dominators():
    """Rows in the order the page tells them (the bundled model last), a row beaten by every baseline says so."""
    recipe = dict(discriminator="mlp", generator="mlp", spectral_norm=False, score_weight=100.0, ema=0.0, epochs=10)
    rows = [
        {"dataset": "mnist", "solver": "knn-5", "PSNR dB": 12.0, "Fréchet": 7.0, "dominated by": "-"},
        {"dataset": "mnist", "solver": "class-mean", "PSNR dB": 11.0, "Fréchet": 90.0, "dominated by": "-"},
        {"dataset": "mnist", "solver": "sortgan (bundled)", "PSNR dB": 12.5, "Fréchet": 36.0, "dominated by": "-"}
        | recipe
        | {"discriminator": "conv", "ema": 0.999, "adversarial_weight": 0.0, "epochs": 20},
        {"dataset": "mnist", "solver": "sortgan adv-1.0", "PSNR dB": 10.2, "Fréchet": 216.0}
        | {"dominated by": "knn-5, class-mean", "adversarial_weight": 1.0}
        | recipe,
        {"dataset": "mnist", "solver": "sortgan conv-adv-0.1", "PSNR dB": 12.1, "Fréchet": 23.0}
        | {"dominated by": "-", "adversarial_weight": 0.1}
        | recipe
        | {"discriminator": "conv"},
    ]
    drawn = results_tables().sortgan_family({"rows": rows}).splitlines()
    assert len(drawn) == 5 and "knn-5" not in "".join(drawn[:2])  # the baselines are not rows
    assert drawn[2].startswith("| MLP discriminator, adversarial weight 1, 10 epochs (`adv-1.0`)")
    assert drawn[2].endswith("| every baseline |")
    assert drawn[3].startswith("| conv discriminator, adversarial weight 0.1, 10 epochs") and drawn[3].endswith("| - |")
    assert drawn[4].startswith("| **bundled**: conv discriminator, adversarial weight 0, `--ema 0.999`, 20 epochs")


def test_the_readme_pieces_table_pivots_the_pages_file():
    """One row per dataset and grid, the best learned method in bold (never the seams), pixel solvers in one cell."""
    rows = [
        {"dataset": "mnist", "grid": 4, "method": "ste", "pieces_right": 0.5},
        {"dataset": "mnist", "grid": 4, "method": "blackbox", "pieces_right": 0.97},
        {"dataset": "mnist", "grid": 4, "method": "seams", "pieces_right": 0.99},
        {"dataset": "mnist", "grid": 28, "method": "knn (label given)", "pieces_right": 0.78},
    ]
    drawn = results_tables().pieces_glance(rows).splitlines()
    assert drawn[0] == "| dataset | grid | ste | blackbox | seams | pixel solvers, label given |"
    assert drawn[2] == "| mnist | 4×4 | 50.00% | **97.00%** | 99.00% |  |"
    assert drawn[3] == "| mnist | 28×28 |  |  |  | knn 78.0% |"


def test_a_thesis_table_says_which_cells_are_not_measured_and_leaves_out_empty_rows():
    cell = {"layer thesis": 99.49, "out_channel thesis": 99.51, "kernel thesis": 99.48}
    epochs = {"layer epochs": 40, "out_channel epochs": 40, "kernel epochs": 40}
    rows = [
        {"init": "sparse", "mode": "STE", "layer": 99.35, "out_channel": "", "kernel": 99.0} | cell | epochs,
        {"init": "normal", "mode": "STE", "layer": "", "out_channel": "", "kernel": ""} | cell | epochs,
    ]
    drawn = results_tables().thesis_tables({"rows": rows}).splitlines()
    assert drawn[2:] == ["| sparse, STE | **99.35** (99.49) 40 | not measured yet | 99.00 (99.48) 40 |"]
