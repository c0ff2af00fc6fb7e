# Two commands set everything up on a fresh Debian machine (as root, or with sudo):
#   make demo   installs what is missing, then runs the main job and writes a plot
#   make test   installs what is missing, then runs the whole test suite
# Both are idempotent: a second run installs nothing.

PYTHON ?= python3
OUT ?= out
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo)
STAMP := .make-installed

.PHONY: all install engine demo test bench clean

all: test

# ngspice's shared library.  Debian's libngspice0 ships only libngspice.so.0; PySpice
# looks for libngspice.so, which comes with libngspice0-dev (a symlink), so install both.
engine:
	@if ldconfig -p | grep -q 'libngspice\.so '; then \
	  echo "ngspice shared library: present"; \
	else \
	  echo "installing libngspice0 (ngspice shared library) via apt"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libngspice0 libngspice0-dev; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: engine $(STAMP)

# The synapse of Wang et al. 2017, Fig. 6 (diffusive memristor + HfOx RRAM weight, one STDP
# pre/post spike pair) through ngspice; writes OUT/synapse_stdp.{csv,json,png}.
demo: install
	$(PYTHON) -m spicemem.cli run netlists/synapse_stdp.cir --out $(OUT) --seed 1

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) bench/kernel.py

clean:
	rm -rf $(STAMP) $(OUT) .pytest_cache
