"""Stage 2: write training examples for the brainstormed tasks (a sibling of ``brainstorm/``).

The kinds (``kinds.py``) and settings, per example its attributes (``attribute_draw.py``),
call, validity checks and row (``assembly.py``), the generator, the runner's view of the
stage (``stage.py``, ``resume.py``), sentence-transformers records (``st_format.py``) and
what stage 2 hands ``embtaskgen.tune`` (``tuning*.py``). The public names are re-exported
from ``embtaskgen``.
"""

__all__: list[str] = []
