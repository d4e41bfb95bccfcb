"""What the exporters (export_open_clip.py, export_classifier.py) check of the TorchScript archive they
saved, before RoZ ever loads it: its outputs equal the original model's, and it has input gradients
(white-box attacks and fine-tuning need them). Each check exits with a message naming what failed."""
import sys

import torch


def check_close(got, want, what):
    """`got` (the reloaded archive's output) within 1e-4 relative of `want` (the original's)."""
    err = (got.detach() - want).abs().max().item()
    if err > 1e-4 * max(1.0, want.abs().max().item()):
        sys.exit("check failed: the archive's %s differs from the model's by %g" % (what, err))


def check_input_gradient(scalar, inputs, what):
    """The gradient of `scalar` (computed by the archive from `inputs`) is finite and not zero."""
    try:
        (grad,) = torch.autograd.grad(scalar, inputs)
    except RuntimeError as e:
        sys.exit("check failed: the archive's %s has no input gradient: %s" % (what, str(e).splitlines()[0]))
    if not torch.isfinite(grad).all() or grad.abs().sum() == 0:
        sys.exit("check failed: the archive's %s input gradient is zero or not finite" % what)
