import pytest
import torch
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

from jigsaw.pixels.metrics import PSNR_CAP_DB, frechet_distance, mse, psnr, same_class_retrieval, ssim


def test_identical_images():
    x = torch.rand(3, 1, 28, 28)
    assert torch.equal(mse(x, x), torch.zeros(3))
    assert torch.equal(psnr(x, x), torch.full((3,), PSNR_CAP_DB))
    assert torch.allclose(ssim(x, x), torch.ones(3))


def test_hand_computed_values():
    a, b = torch.zeros(1, 1, 8, 8), torch.full((1, 1, 8, 8), 0.1)
    assert mse(a, b).item() == pytest.approx(0.01)
    assert psnr(a, b).item() == pytest.approx(20.0)


def test_against_skimage(mnist_test):
    images = mnist_test[0][:20]
    noisy = (images + 0.2 * torch.rand_like(images)).clamp(0, 1)
    for i in range(20):
        x, y = noisy[i, 0].double().numpy(), images[i, 0].double().numpy()
        assert mse(noisy[i : i + 1], images[i : i + 1]).item() == pytest.approx(mean_squared_error(y, x), rel=1e-5)
        assert psnr(noisy[i : i + 1], images[i : i + 1]).item() == pytest.approx(
            peak_signal_noise_ratio(y, x, data_range=1.0), rel=1e-5
        )
        assert ssim(noisy[i : i + 1], images[i : i + 1]).item() == pytest.approx(
            structural_similarity(x, y, data_range=1.0), abs=1e-5
        )


def test_retrieval_is_one_for_originals_and_drops_for_swaps(mnist_test):
    images, labels = mnist_test[0][:300], mnist_test[1][:300]
    assert same_class_retrieval(images, images, labels).all()
    swapped = images.clone()
    sevens = (labels == 7).nonzero().squeeze(1)
    swapped[sevens[0]], swapped[sevens[1]] = images[sevens[1]], images[sevens[0]]
    hits = same_class_retrieval(swapped, images, labels)
    assert not hits[sevens[0]] and not hits[sevens[1]] and hits.sum() == 298


def test_frechet_distance():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5000, 4, generator=g)
    b = torch.randn(5000, 4, generator=g)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert frechet_distance(a, b) < 0.05
    # shifted mean adds |shift|^2; scaled covariance adds sum (sigma - 1)^2
    assert frechet_distance(a, a + 2.0) == pytest.approx(16.0, rel=1e-6)
    assert frechet_distance(a, 3 * a) == pytest.approx(
        4 * float(torch.cov(a.T).trace()) + float((a.mean(0) - 3 * a.mean(0)).pow(2).sum()), rel=1e-4
    )
