"""Every matplotlib figure of the course, one submodule per kind of figure.

Compute functions live elsewhere (``circuits``, ``train``, ``surfaces`` ...); the functions here
only draw what they are given, return the matplotlib ``Figure`` (or ``Axes``), and never call
``plt.show()`` themselves, so a notebook cell ends with ``plt.show()``.
"""

from .activations import *  # noqa: F403  notebook 04
from .batchnorm import *  # noqa: F403  notebook 06: sweeps with and without batchnorm, batch statistics
from .circuits import *  # noqa: F403  notebook 01
from .classifiers import *  # noqa: F403  notebooks 02-03
from .curves import *  # noqa: F403  training curves, timings
from .dropout import *  # noqa: F403  notebook 07: curves per dropout rate, one pass vs an average of masks
from .gradcheck import *  # noqa: F403  notebook 01: relative errors of gradient checks, step size, kinks
from .images import *  # noqa: F403  weights and digits as images
from .init import *  # noqa: F403  notebook 05: preprocessing, activations and gradients per layer
from .losses import *  # noqa: F403  one example under hinge and softmax
from .regions import *  # noqa: F403  notebook 03: class regions in grids, threshold units, ReLU cells, seeds
from .search import *  # noqa: F403  notebook 09: update/weight ratios, grid against random search, trials
from .trajectories import *  # noqa: F403  notebook 08: optimizer paths on surfaces, step lengths, loss curves
