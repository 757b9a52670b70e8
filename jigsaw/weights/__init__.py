"""Training a network only by permuting its initial weights: the ``IndexOptimizer`` (``optim``), resumable runs that
reproduce the thesis' tables (``run``) and weight-histogram figures (``plots``)."""
