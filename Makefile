# Thin wrapper: the build is CMake + Ninja in build/; tools/setup.sh installs what it needs.
BUILD ?= build
JOBS ?= $(shell nproc)
# GPU checks carry the ctest label gpu: `make test` leaves them out (CI has no GPU), `make test-gpu` runs them.
CTEST_FLAGS ?= -LE gpu

.PHONY: all setup build demo test test-gpu fuzz install clean format

all: build

setup:
	tools/setup.sh

build: setup
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	tools/demo/run.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

test-gpu: build
	cd $(BUILD) && ctest --output-on-failure -L gpu

# ASan + UBSan unit tests and libFuzzer on the input readers, 60 s each (tools/fuzz.sh; needs clang).
fuzz: setup
	tools/fuzz.sh

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

format:
	find sdk core datasets plugins tools tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
