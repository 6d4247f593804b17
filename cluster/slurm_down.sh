#!/usr/bin/env bash
# Stop the single-node SLURM cluster that cluster/slurm_up.sh started in DIR.
#
#   cluster/slurm_down.sh DIR [--purge]
#
# Stops exactly the daemons named by the pid files in DIR/run (slurmd,
# slurmctld, munged, in that order), and only when the process behind a pid
# is still the daemon it names. --purge then removes DIR.
set -uo pipefail

DIR="${1:-}"
[ -n "$DIR" ] || {
    echo "usage: cluster/slurm_down.sh DIR [--purge]" >&2
    exit 2
}
PURGE="${2:-}"
[ -d "$DIR/run" ] || {
    echo "slurm_down: $DIR/run not found: nothing to stop" >&2
    exit 0
}

stop() {
    local name="$1" pidfile="$DIR/run/$1.pid" pid comm
    [ -s "$pidfile" ] || return 0
    pid="$(tr -dc '0-9' <"$pidfile")"
    [ -n "$pid" ] || return 0
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    if [ "$comm" != "$name" ]; then
        # Gone already, or the pid now belongs to another process.
        rm -f "$pidfile"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ] || break
        sleep 0.1
    done
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$name" ]; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    echo "slurm_down: stopped $name ($pid)"
}

stop slurmd
stop slurmctld
stop munged

# munged's own folder, when slurm_up.sh had to put it outside DIR.
if [ -s "$DIR/run/munge.dir" ]; then
    munge_dir="$(cat "$DIR/run/munge.dir")"
    case "$munge_dir" in
    */liprobe-munge.*) rm -rf "$munge_dir" ;;
    esac
    rm -f "$DIR/run/munge.dir"
fi

# The link slurm_up.sh made for job steps, if it still points here.
if [ -L /run/slurm/conf ] && [ "$(readlink /run/slurm/conf)" = "$(cd "$DIR" && pwd)/conf" ]; then
    rm -f /run/slurm/conf
fi

if [ "$PURGE" = "--purge" ]; then
    rm -rf "$DIR"
fi
exit 0
