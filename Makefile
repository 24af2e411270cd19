# The README's two Quickstart commands.
PYTHON ?= python3
FASHION := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

.PHONY: train test data

data:
	@if [ ! -f $(FASHION) ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get install -y -q dataset-fashion-mnist || (apt-get update -q && apt-get install -y -q dataset-fashion-mnist)) >/dev/null 2>&1 || \
	  echo "dataset-fashion-mnist not installable here; numtorch train will download Fashion-MNIST instead"; \
	fi

train: data
	$(PYTHON) -m pip install -q -e ".[train]"
	numtorch train

test: data
	$(PYTHON) -m pip install -q -e ".[test,oracle]"
	$(PYTHON) -m pytest
