"""``python -m lenvici.sim.model [PATH]`` writes the model documentation (default ``docs/model.md``)."""

import sys

from lenvici.sim.model._document import document

if __name__ == "__main__":
    print(document(sys.argv[1] if len(sys.argv) > 1 else "docs/model.md"))
