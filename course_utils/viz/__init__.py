"""Every matplotlib figure of the course, one submodule per notebook and a few that several share.

A submodule that serves one notebook is named after its topic (the notebook's file name without its
number: ``viz.linear_classifiers`` for ``02_linear_classifiers.ipynb``); one that serves several is
named after its concept (``curves``, ``classifiers``, ``images``, ``gradcheck``) and its docstring says
which notebooks use it. Notebooks call every function as ``cu.viz.<function>``.

Compute functions live elsewhere (``circuits``, ``train``, ``surfaces`` ...); the functions here
only draw what they are given, return the matplotlib ``Figure`` (or ``Axes``), and never call
``plt.show()`` themselves, so a notebook cell ends with ``plt.show()``.
"""

from ._axes import log_scale  # noqa: F401  a log axis labelled as in every course figure, for a notebook's own figures
from .activations import *  # noqa: F403  notebook 04
from .babysitting_and_search import *  # noqa: F403  notebook 09: update/weight ratios, grid against random search, trials
from .backprop_circuits import *  # noqa: F403  notebook 01: circuits drawn with values and gradients
from .batchnorm import *  # noqa: F403  notebook 06: sweeps with and without batchnorm, batch statistics
from .classifiers import *  # noqa: F403  notebooks 02-03: decision boundaries, the hidden layer's space
from .curves import *  # noqa: F403  notebooks 01-03, 09: training curves, timings
from .dropout import *  # noqa: F403  notebook 07: curves per dropout rate, one pass vs an average of masks
from .gradcheck import *  # noqa: F403  notebook 01: relative errors of gradient checks, step size, kinks
from .images import *  # noqa: F403  notebooks 02-03, 05, 09: weights and digits as images
from .layers_and_two_layer_net import *  # noqa: F403  notebook 03: class regions, threshold units, ReLU cells, seeds
from .linear_classifiers import *  # noqa: F403  notebook 02: one example under hinge and softmax, minimizing the loss
from .optimizers import *  # noqa: F403  notebook 08: optimizer paths on surfaces, step lengths, loss curves
from .preprocessing_and_init import *  # noqa: F403  notebook 05: preprocessing, activations and gradients per layer
