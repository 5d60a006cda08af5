"""Every class named in credentials.yml and endpoints.yml imports.

Rasa swallows an ImportError in a channel module and reports only "Failed to find input channel
class", so this checks the modules directly, with their real error.
"""

import importlib

import pytest
import yaml

from bot.config import ROOT


def _class_paths() -> list[str]:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    paths = [name for name in credentials if "." in name]
    paths += [v["type"] for v in endpoints.values() if isinstance(v, dict) and "." in str(v.get("type", ""))]
    return paths


@pytest.mark.parametrize("path", _class_paths())
def test_configured_class_imports(path):
    module, _, name = path.rpartition(".")
    assert isinstance(getattr(importlib.import_module(module), name), type)
