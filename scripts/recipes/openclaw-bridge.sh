#!/bin/sh
# Recipe: an OpenClaw agent as an EXTERNAL mailroom agent (no command: in mailroom.yaml; this
# script, not the daemon, reads its inbox, so it runs outside mailroom's jail, under your uid).
#
#   scripts/recipes/openclaw-bridge.sh <org>/workspaces/<agent> <openclaw-agent-id> [--once]
#
# For each message in inbox/ (most urgent first, as `ls` sorts them): `openclaw agent --agent
# <id> --message-file <file>`, its answer written to outbox/ as a reply to the sender (same
# thread), then the message moved to done/. A failed turn leaves the message in inbox/ for the
# next round. --once: one pass, then exit (for cron, and for tests); else every 5 s.
set -u
ws=${1:?usage: openclaw-bridge.sh <workspace> <openclaw-agent-id> [--once]}
agent=${2:?usage: openclaw-bridge.sh <workspace> <openclaw-agent-id> [--once]}
once=${3:-}
field() { sed -n "/^---\$/,/^---\$/{s/^$1: *//p}" "$2" | head -n 1 | tr -d '"'; }
while :; do
  for f in "$ws"/inbox/*.md; do
    [ -f "$f" ] || continue
    id=$(field id "$f"); from=$(field from "$f")
    name=$(basename "$f")
    if [ "$from" != mailroom ]; then
      answer=$(openclaw agent --agent "$agent" --message-file "$f") || { echo "openclaw failed on $name; it stays in inbox/" >&2; continue; }
      tmp="$ws/outbox/.reply-$id"
      printf -- '---\nto: %s\nreply_to: %s\n---\n%s\n' "$from" "$id" "$answer" > "$tmp" && mv "$tmp" "$ws/outbox/reply-$id.md"
    fi
    mv "$f" "$ws/done/$name"
  done
  [ "$once" = --once ] && exit 0
  sleep 5
done
