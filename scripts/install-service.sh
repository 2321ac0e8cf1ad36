#!/usr/bin/env bash
# Run an org's daemon as a systemd user service, so it starts at boot and restarts if it dies.
#
#   scripts/install-service.sh <org root>            write the unit and print the commands to run
#   scripts/install-service.sh <org root> --enable   also enable and start it now
#
# The unit is ~/.config/systemd/user/mailroom-<org dir name>.service. It runs
# `mailroom start --root <org>` in the foreground (SIGTERM stops it cleanly, exit 0) and
# restarts it on failure. For it to run without a login session: `loginctl enable-linger $USER`.
set -euo pipefail

usage() { echo "usage: $0 <org root> [--enable]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
[ $# -eq 1 ] || [ "$2" = "--enable" ] || usage

root="$(cd "$1" 2>/dev/null && pwd)" || { echo "install-service: $1 is not a directory" >&2; exit 1; }
[ -f "$root/mailroom.yaml" ] || { echo "install-service: $root has no mailroom.yaml; create an org with \`mailroom init $root --agents a,b\`" >&2; exit 1; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
cli="$repo/dist/runtime/cli/main.js"
[ -f "$cli" ] || { echo "install-service: $cli is missing; run \`npm install\` in $repo first" >&2; exit 1; }
node="$(command -v node)" || { echo "install-service: node is not on PATH" >&2; exit 1; }

name="mailroom-$(basename "$root" | tr -c 'A-Za-z0-9_.\n-' '-')"
dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
unit="$dir/$name.service"
mkdir -p "$dir"
cat > "$unit" <<UNIT
[Unit]
Description=mailroom daemon for $root
After=local-fs.target

[Service]
ExecStart="$node" "$cli" start --root "$root"
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=30
UMask=0077

[Install]
WantedBy=default.target
UNIT
echo "wrote $unit"

if [ "${2:-}" = "--enable" ]; then
  systemctl --user daemon-reload
  systemctl --user enable --now "$name.service"
  systemctl --user --no-pager status "$name.service" || true
else
  echo "next:"
  echo "  systemctl --user daemon-reload && systemctl --user enable --now $name.service"
  echo "  journalctl --user -u $name -f     # the daemon's log, one line per event"
fi
