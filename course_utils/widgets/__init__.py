"""ipywidgets explorers. Each only wires sliders to compute functions and to ``viz``; it
builds its ``rng`` inside the callback so every redraw is reproducible.

Each submodule serves one notebook and is named after its topic (the notebook's file name without
its number). Notebooks call every explorer as ``cu.widgets.<function>``."""

from .activations import *  # noqa: F403  notebook 04
from .babysitting_and_search import *  # noqa: F403  notebook 09
from .backprop_circuits import *  # noqa: F403  notebook 01
from .batchnorm import *  # noqa: F403  notebook 06
from .dropout import *  # noqa: F403  notebook 07
from .layers_and_two_layer_net import *  # noqa: F403  notebook 03
from .linear_classifiers import *  # noqa: F403  notebook 02
from .optimizers import *  # noqa: F403  notebook 08
from .preprocessing_and_init import *  # noqa: F403  notebook 05
