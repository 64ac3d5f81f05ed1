#!/bin/sh
# packaging/test-package.sh PACKAGE WHAT FOUND-TEST...
# Installs the Debian PACKAGE the tests need unless FOUND-TEST (a shell command) succeeds; as root only,
# else says which tests will be skipped. `make test-deps` calls it once per package.
set -eu
package=$1 what=$2
shift 2
if sh -c "$*" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "installing $package for $what"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
else
  echo "$package is not installed and this is not root: $what will be skipped (run 'sudo apt-get install $package')"
fi
