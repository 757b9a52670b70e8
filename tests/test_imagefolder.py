import pytest
import torch
from PIL import Image

from jigsaw.errors import JigsawError
from jigsaw.imagefolder import ImageFolderSplit, class_names
from jigsaw.runs import epoch_seed


def make_image_folder(root, train_per_class=6, val_per_class=2, size=(40, 36)):
    """Two classes told apart by colour (reddish, bluish), random texture, as PNG files in ImageFolder layout."""
    generator = torch.Generator().manual_seed(0)
    for split, count in (("train", train_per_class), ("val", val_per_class)):
        for label, name in enumerate(("bluish", "reddish")):
            folder = root / split / name
            folder.mkdir(parents=True)
            for k in range(count):
                pixels = torch.rand(size[1], size[0], 3, generator=generator) * 0.5
                pixels[..., 0 if label else 2] += 0.5
                Image.fromarray((pixels * 255).byte().numpy()).save(folder / f"{k}.png")
    return root


@pytest.fixture
def image_folder(tmp_path):
    return make_image_folder(tmp_path / "images")


def test_batches_do_not_depend_on_the_number_of_workers(image_folder):
    batches = {}
    for workers in (0, 2):
        split = ImageFolderSplit(image_folder, train=True, image_size=24, normalize=True, workers=workers)
        generator = torch.Generator().manual_seed(epoch_seed(0, 3))
        batches[workers] = list(split.train_batches(5, generator))
    assert [len(y) for _, y in batches[0]] == [5, 5, 2]
    for (x0, y0), (x2, y2) in zip(batches[0], batches[2]):
        assert x0.shape[1:] == (3, 24, 24) and torch.equal(x0, x2) and torch.equal(y0, y2)


def test_each_epoch_draws_new_crops_and_order(image_folder):
    split = ImageFolderSplit(image_folder, train=True, image_size=24, normalize=False)
    epoch = lambda e: torch.cat([x for x, _ in split.train_batches(12, torch.Generator().manual_seed(e))])
    assert not torch.equal(epoch(0), epoch(1)) and torch.equal(epoch(0), epoch(0))


def test_test_images_are_centre_crops_in_order(image_folder):
    split = ImageFolderSplit(image_folder, train=False, image_size=24, normalize=False)
    (images, labels), again = next(split.test_batches()), next(split.test_batches())
    assert labels.tolist() == [0, 0, 1, 1] and torch.equal(images, again[0])
    assert images.shape == (4, 3, 24, 24) and 0 <= images.min() and images.max() <= 1


def test_a_folder_without_train_or_with_other_classes_is_refused(tmp_path, image_folder):
    with pytest.raises(JigsawError, match="ImageFolder layout"):
        class_names(tmp_path / "nowhere")
    (image_folder / "val" / "greenish").mkdir()
    (image_folder / "val" / "greenish" / "0.png").write_bytes((image_folder / "val" / "bluish" / "0.png").read_bytes())
    with pytest.raises(JigsawError, match="other class folders"):
        ImageFolderSplit(image_folder, train=False, image_size=24, normalize=False)
