"""jigsaw: learning and solving permutations with PyTorch."""
__version__ = "0.1.0"
