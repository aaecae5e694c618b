# hqc — the two set-up commands: `make demo` (the study on real data) and `make test` (the suite).
# Both install missing Debian packages when run as root, and print the apt-get line otherwise.

BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEBIAN_PACKAGES := cmake g++ make libstb-dev doctest-dev
DEMO_PACKAGES := $(DEBIAN_PACKAGES) dataset-fashion-mnist

.PHONY: all build test demo deps demo-deps clean

all: build

deps:
	@./tools/install-deps.sh $(DEBIAN_PACKAGES)

demo-deps:
	@./tools/install-deps.sh $(DEMO_PACKAGES)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: demo-deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)
	./tools/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
