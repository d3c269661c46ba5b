"""ipywidgets explorers. Each only wires sliders to compute functions and to ``viz``; it
builds its ``rng`` inside the callback so every redraw is reproducible."""

from .activations import *  # noqa: F403  notebook 04
from .batchnorm import *  # noqa: F403  notebook 06
from .circuits import *  # noqa: F403  notebook 01
from .classifiers import *  # noqa: F403  notebooks 02-03
from .dropout import *  # noqa: F403  notebook 07
from .init import *  # noqa: F403  notebook 05
from .losses import *  # noqa: F403  notebook 02
from .optimizers import *  # noqa: F403  notebook 08
from .search import *  # noqa: F403  notebook 09
