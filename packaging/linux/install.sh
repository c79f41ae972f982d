#!/usr/bin/env bash
# Install the frozen TagDesk bundle for one user (no root), so it starts from the desktop's
# application menu by double-click; or remove it again.
#
#   packaging/linux/install.sh [--prefix DIR] [--bundle DIR]     install (or update)
#   packaging/linux/install.sh [--prefix DIR] --uninstall        remove
#   make install-desktop / make uninstall-desktop                the same, PREFIX=DIR to override
#
# PREFIX defaults to ~/.local. What goes where:
#   PREFIX/opt/TagDesk/                                      the bundle (dist/TagDesk, copied)
#   PREFIX/bin/tagdesk                                       a symlink to it, for terminals
#   PREFIX/share/applications/io.github.tagdesk.TagDesk.desktop   Exec= points at the bundle
#   PREFIX/share/icons/hicolor/<N>x<N>/apps/io.github.tagdesk.TagDesk.png, and scalable/…svg
#   PREFIX/share/metainfo/io.github.tagdesk.TagDesk.metainfo.xml
# Your settings, logs and the keyring entries are not touched by either direction.
set -euo pipefail

APP_ID="io.github.tagdesk.TagDesk"
SIZES=(16 32 48 64 128 256 512)
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

prefix="${PREFIX:-$HOME/.local}"
bundle="$REPO/dist/TagDesk"
action=do_install

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --bundle) bundle="${2:?--bundle needs a folder}"; shift 2 ;;
    --bundle=*) bundle="${1#*=}"; shift ;;
    --uninstall) action=do_uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

prefix="$(mkdir -p "$prefix" && cd "$prefix" && pwd)"
opt_dir="$prefix/opt/TagDesk"
bin_link="$prefix/bin/tagdesk"
apps_dir="$prefix/share/applications"
icons_dir="$prefix/share/icons/hicolor"
metainfo_dir="$prefix/share/metainfo"
desktop_file="$apps_dir/$APP_ID.desktop"

# Quote a path for an Exec= line (Desktop Entry spec, "The Exec key"): bare when it has
# only safe characters, else in double quotes with ", `, $ and \ escaped; then the string
# escaping of the .desktop format doubles every backslash.
exec_quote() {
  local path="$1"
  if [[ "$path" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
    printf '%s' "$path"
    return
  fi
  path="${path//%/%%}"  # a literal % is %% in Exec=
  path="${path//\\/\\\\}"; path="${path//\"/\\\"}"; path="${path//\`/\\\`}"; path="${path//\$/\\\$}"
  path="\"$path\""
  printf '%s' "${path//\\/\\\\}"
}

refresh_caches() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps_dir" 2>/dev/null || true
  command -v gtk-update-icon-cache >/dev/null && [[ -f "$icons_dir/index.theme" ]] \
    && gtk-update-icon-cache -q -t "$icons_dir" 2>/dev/null || true
  # KDE and most others watch these folders themselves.
}

# Refuse to delete a folder that is not a TagDesk bundle (a wrong --prefix).
remove_bundle() {
  if [[ -e "$opt_dir" ]]; then
    if [[ ! -x "$opt_dir/TagDesk" ]]; then
      echo "install.sh: $opt_dir exists but holds no TagDesk bundle; not touching it" >&2
      exit 1
    fi
    rm -rf -- "$opt_dir"
  fi
}

do_uninstall() {
  remove_bundle
  if [[ -L "$bin_link" ]]; then rm -f -- "$bin_link"; fi
  rm -f -- "$desktop_file" "$metainfo_dir/$APP_ID.metainfo.xml" "$icons_dir/scalable/apps/$APP_ID.svg"
  for size in "${SIZES[@]}"; do
    rm -f -- "$icons_dir/${size}x${size}/apps/$APP_ID.png"
  done
  refresh_caches
  echo "TagDesk removed from $prefix (settings, logs and keyring entries are kept; see docs/install.md)"
}

do_install() {
  if [[ ! -x "$bundle/TagDesk" ]]; then
    echo "install.sh: no bundle at $bundle (build it with: make package)" >&2
    exit 1
  fi
  bundle="$(cd "$bundle" && pwd)"
  # The bundle carries its own copy of resources/ (so a copied dist/TagDesk installs alone);
  # fall back to the checkout's.
  local res="$bundle/_internal/resources"
  [[ -d "$res/linux" ]] || res="$REPO/resources"
  [[ -f "$res/linux/$APP_ID.desktop" ]] || { echo "install.sh: $res/linux/$APP_ID.desktop missing" >&2; exit 1; }

  if [[ "$bundle" != "$opt_dir" ]]; then
    remove_bundle
    mkdir -p "$(dirname "$opt_dir")"
    cp -a -- "$bundle" "$opt_dir"
  fi
  local exe="$opt_dir/TagDesk"

  mkdir -p "$prefix/bin" "$apps_dir" "$metainfo_dir" "$icons_dir/scalable/apps"
  ln -sfn -- "$exe" "$bin_link"

  local quoted
  quoted="$(exec_quote "$exe")"
  # Point every Exec= (the main entry and the actions) and TryExec= at the bundle.
  # TryExec takes a plain path (no quoting), with only the .desktop string escapes.
  # (Values go through the environment: awk -v would eat the backslashes.)
  TD_EXEC="$quoted" TD_TRYEXEC="${exe//\\/\\\\}" awk '
    /^Exec=tagdesk( |$)/ { sub(/^Exec=tagdesk/, ""); print "Exec=" ENVIRON["TD_EXEC"] $0; next }
    /^TryExec=/ { print "TryExec=" ENVIRON["TD_TRYEXEC"]; next }
    { print }
  ' "$res/linux/$APP_ID.desktop" > "$desktop_file.tmp"
  mv -f -- "$desktop_file.tmp" "$desktop_file"
  chmod 0644 "$desktop_file"
  install -m 0644 "$res/linux/$APP_ID.metainfo.xml" "$metainfo_dir/$APP_ID.metainfo.xml"

  install -m 0644 "$res/icons/tagdesk.svg" "$icons_dir/scalable/apps/$APP_ID.svg"
  for size in "${SIZES[@]}"; do
    mkdir -p "$icons_dir/${size}x${size}/apps"
    install -m 0644 "$res/icons/tagdesk-$size.png" "$icons_dir/${size}x${size}/apps/$APP_ID.png"
  done
  refresh_caches
  echo "TagDesk installed in $opt_dir"
  echo "  menu entry: $desktop_file"
  echo "  command:    $bin_link"
}

"$action"
