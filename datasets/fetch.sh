#!/usr/bin/env bash
# fetch.sh — download a dataset into data/<name> (or $HQC_DATA/<name> when HQC_DATA is set), checking
# every file's MD5 (docs/formats.md). Needs curl, md5sum and tar.
#   datasets/fetch.sh mnist|fashion-mnist|cifar10|cifar100|stl10
# MNIST and Fashion-MNIST stay as their four .gz files (hqc reads them gzipped); the CIFAR and STL-10
# archives are unpacked (their own subfolder is kept: hqc looks inside it). STL-10 is 2.5 GB.
set -euo pipefail

name="${1:-}"
root="${HQC_DATA:-data}"
dest="$root/$name"

die() { echo "fetch.sh: $*" >&2; exit 1; }

# get URL MD5 FILE: downloads URL to FILE unless FILE is already there with the right MD5.
get() {
  local url="$1" md5="$2" file="$3"
  if [ -f "$file" ] && [ "$(md5sum "$file" | cut -d' ' -f1)" = "$md5" ]; then
    echo "have $file"; return
  fi
  echo "downloading $url"
  curl -fL --retry 2 --connect-timeout 20 -o "$file.part" "$url" ||
    { rm -f "$file.part"; die "could not download $url (offline, or the address moved?)"; }
  local got
  got="$(md5sum "$file.part" | cut -d' ' -f1)"
  [ "$got" = "$md5" ] || { rm -f "$file.part"; die "$url: MD5 $got, expected $md5 (damaged download); nothing kept"; }
  mv "$file.part" "$file"
}

idx_set() {  # base URL, then the four MD5s: train-images train-labels t10k-images t10k-labels
  local base="$1"; shift
  local md5s=("$@")
  local files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
  for i in 0 1 2 3; do get "$base/${files[$i]}.gz" "${md5s[$i]}" "$dest/${files[$i]}.gz"; done
}

archive() {  # URL MD5: download, check, unpack into $dest, remove the archive
  local file="$dest/$(basename "$1")"
  get "$1" "$2" "$file"
  tar -xzf "$file" -C "$dest" || die "$file: cannot unpack"
  rm -f "$file"
}

case "$name" in
  mnist|fashion-mnist|cifar10|cifar100|stl10) ;;
  *) die "usage: datasets/fetch.sh mnist|fashion-mnist|cifar10|cifar100|stl10 (got '${name}')" ;;
esac
command -v curl >/dev/null || die "curl is not installed (apt-get install curl)"
mkdir -p "$dest"
case "$name" in
  mnist)
    idx_set https://ossci-datasets.s3.amazonaws.com/mnist \
      f68b3c2dcbeaaa9fbdd348bbdeb94873 d53e105ee54ea40749a09fcbcd1e9432 \
      9fb629c4189551a2d022fa330f9573f3 ec29112dd5afa0611ce80d1b7f02629c ;;
  fashion-mnist)
    idx_set http://fashion-mnist.s3-website.eu-central-1.amazonaws.com \
      8d4fb7e6c68d591d4c3dfef9ec88bf0d 25c81989df183df01b3e8a0aad5dffbe \
      bef4ecab320f06d8554ea6380940ec79 bb300cfdad3c16e7a12a480ee83cd310 ;;
  cifar10)  archive https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz c32a1d4ab5d03f1284b67883e8d87530 ;;
  cifar100) archive https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz 03b5dce01913d631647c71ecec9e9cb8 ;;
  stl10)    archive http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz 91f7769df0f17e558f3565bffb0c7dfb ;;
esac
echo "$name is in $dest"
