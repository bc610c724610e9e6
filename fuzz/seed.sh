#!/bin/sh
# Seeds fuzz/corpus/<target>/ (not committed) with every `.tflite` of the
# shared models, the UI test models, the conformance suite and the example.
# The shared models are read in place and copied only into the ignored
# corpus directory. Usage: fuzz/seed.sh [SHARED_MODELS_DIR]
set -eu
cd "$(dirname "$0")"
shared=${1:-../../shared/models}
for target in compile parse; do
    mkdir -p "corpus/$target"
done
find "$shared" ../tests/ui/models ../tests/conformance ../examples/cifar10/data -name '*.tflite' -type f |
    while read -r f; do
        name=$(sha1sum "$f" | cut -c1-16)
        for target in compile parse; do
            cp "$f" "corpus/$target/$name"
        done
    done
echo "seeded: $(ls corpus/compile | wc -l) files per target"
