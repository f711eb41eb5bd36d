#!/bin/bash -eu
# ClusterFuzzLite runs $SRC/build.sh in the image from ./Dockerfile; the real
# script lives with the fuzz targets so OSS-Fuzz and fuzz/oss-fuzz/emulate.sh
# (the same build without Docker, run by CI) share it.
exec "$SRC/fastovsdb/fuzz/oss-fuzz/build.sh"
