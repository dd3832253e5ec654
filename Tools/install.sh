#!/usr/bin/env bash
# Builds ally (release, Swift runtime linked in) and installs the binary, the man page and the shell completions
# under a prefix. No root needed with --prefix ~/.local.
#   Tools/install.sh                      # /usr/local (root, or sudo)
#   Tools/install.sh --prefix ~/.local    # just for you; make sure ~/.local/bin is on your PATH
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=/usr/local
binary=""
while (($#)); do
    case "$1" in
    --binary) binary="${2:?--binary needs a path}"; shift 2 ;; # install this build instead (the tests do)
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (try --prefix DIR)" >&2; exit 2 ;;
    esac
done
source Tools/scripts/setup.sh
if [[ -z "$binary" ]]; then
    echo "== building ally (release; a few minutes the first time)" >&2
    swift build -c release --product ally --static-swift-stdlib --scratch-path .build-static >&2
    binary=.build-static/release/ally
fi
install -d "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/bash-completion/completions" \
    "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 755 "$binary" "$prefix/bin/ally"
install -m 644 docs/ally.1 "$prefix/share/man/man1/ally.1"
"$binary" --generate-completion-script bash >"$prefix/share/bash-completion/completions/ally"
"$binary" --generate-completion-script zsh >"$prefix/share/zsh/site-functions/_ally"
"$binary" --generate-completion-script fish >"$prefix/share/fish/vendor_completions.d/ally.fish"
echo "Installed ally in $prefix/bin, its manual (man ally) and completions for bash, zsh and fish." >&2
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "Add $prefix/bin to your PATH to run ally." >&2 ;; esac
if [[ "$prefix" != /usr/local && "$prefix" != /usr ]]; then
    echo "For man ally, add $prefix/share/man to MANPATH if your system does not already look there." >&2
fi
