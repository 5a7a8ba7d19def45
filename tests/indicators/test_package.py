"""The indicators package's public names, loaded on first use so the command line starts fast."""

import subprocess
import sys

import pytest

import ocds_pipeline.indicators as indicators
from ocds_pipeline.indicators import facts, summary


@pytest.mark.parametrize("name,module", [("Facts", facts), ("Indicator", summary),
                                         ("compute", summary), ("load_registry", summary), ("summarise", summary)])
def test_each_public_name_is_the_modules_own(name, module):
    assert getattr(indicators, name) is getattr(module, name)
    assert name in indicators.__all__


def test_facts_is_always_the_submodule():
    """Not the function of the same name, whatever was imported first."""
    code = "from ocds_pipeline.indicators import facts; import ocds_pipeline.indicators as i; print(facts.__name__, i.facts.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["ocds_pipeline.indicators.facts"] * 2


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError) as error:
        indicators.median_price  # noqa: B018
    assert str(error.value) == "module 'ocds_pipeline.indicators' has no attribute 'median_price'"
    assert not hasattr(indicators, "summary_of_everything")


def test_importing_the_package_does_not_import_pandas():
    code = "import sys, ocds_pipeline.indicators as i; print('pandas' in sys.modules, bool(i.GROUPS))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
