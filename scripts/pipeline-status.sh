#!/usr/bin/env bash
# Prints the state of a data directory: per stage, how many papers are done, pending and failed
# (from papers.db: tables papers and stage_status, for each paper's current version), when the
# whole-corpus stages last ran, the last pipeline run, and the disk used by each folder.
# Usage: scripts/pipeline-status.sh [DATA_DIR]    (also: make -f Makefile.pipeline status)
# Reads only; safe while a run is in progress (SQLite WAL readers do not block the writer).
set -euo pipefail

data_dir=${1:-${ASP_DATA_DIR:-data}}
db="$data_dir/papers.db"

if [ ! -d "$data_dir" ]; then
  echo "status: no data directory at $data_dir (run the pipeline first)" >&2
  exit 1
fi
command -v sqlite3 >/dev/null || { echo "status: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 1; }

q() { sqlite3 -readonly -batch -noheader "$1" "$2"; }

# The newest file under a folder: "EPOCH PATH" ("" when there is none).
newest_file() {
  [ -d "$1" ] || return 0
  find "$1" -type f ! -name '.*' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1
}

iso_time() { date -u -d "@${1%.*}" +%Y-%m-%dT%H:%M:%SZ; }

count_files() {
  [ -d "$1" ] || { echo 0; return; }
  find "$1" -maxdepth 1 -type f -name "*.$2" | wc -l
}

echo "data directory: $data_dir"
# A run in progress holds a flock on the lock file. Look it up in /proc/locks rather than
# trying the lock: a probe holding it even for a moment would turn away a run starting then.
if [ -f "$data_dir/.pipeline.lock" ] &&
   grep -q ":$(stat -c %i "$data_dir/.pipeline.lock") " /proc/locks 2>/dev/null; then
  echo "pipeline: a run is in progress now"
fi
if [ -f "$data_dir/logs/last-run" ]; then
  read -r stamp result stages < "$data_dir/logs/last-run" || true
  echo "last run: $stamp $result ($stages)"
fi

if [ ! -f "$db" ]; then
  echo "papers.db: absent (fetch has not run)"
else
  papers=$(q "$db" "SELECT COUNT(*) FROM papers")
  last_fetch=$(q "$db" "SELECT COALESCE(MAX(fetched_at), '-') FROM papers")
  echo
  printf '%-10s %8s %8s %8s %8s  %s\n' stage 'done' pending failed files note
  printf '%-10s %8s %8s %8s %8s  %s\n' fetch "$papers" - - - "papers in papers.db; last change $last_fetch"
  for stage in download pdf2txt thumb; do
    case $stage in
      download) dir=pdf ext=pdf ;;
      pdf2txt) dir=txt ext=txt ;;
      thumb) dir=thumbs ext=jpg ;;
    esac
    read -r n_done n_failed < <(q "$db" "
      SELECT COALESCE(SUM(s.state = 'done'), 0), COALESCE(SUM(s.state = 'failed'), 0)
      FROM stage_status s JOIN papers p ON p.id = s.id AND p.version = s.version
      WHERE s.stage = '$stage'" | tr '|' ' ')
    pending=$(( papers - n_done - n_failed ))
    note=""
    if [ "$n_failed" -gt 0 ]; then
      note="top reason: $(q "$db" "
        SELECT reason || ' (' || COUNT(*) || ')' FROM stage_status s
        JOIN papers p ON p.id = s.id AND p.version = s.version
        WHERE s.stage = '$stage' AND s.state = 'failed'
        GROUP BY reason ORDER BY COUNT(*) DESC LIMIT 1")"
    fi
    printf '%-10s %8s %8s %8s %8s  %s\n' "$stage" "$n_done" "$pending" "$n_failed" \
      "$(count_files "$data_dir/$dir" "$ext")" "$note"
  done

  # Whole-corpus stages: when their output was last written, and what changed after it.
  index_newest=$(newest_file "$data_dir/index")
  if [ -z "$index_newest" ]; then
    printf '%-10s %s\n' analyze "not run yet"
  else
    built=$(iso_time "${index_newest%% *}")
    changed=$(q "$db" "SELECT COUNT(*) FROM papers WHERE fetched_at > '$built'")
    newer_txt=0
    [ -d "$data_dir/txt" ] && newer_txt=$(find "$data_dir/txt" -type f -newer "${index_newest#* }" | wc -l)
    printf '%-10s %s\n' analyze "index written $built; since then: $changed papers fetched or changed, $newer_txt texts written"
  fi
  recs_newest=$(newest_file "$data_dir/recs")
  recs_built=never
  [ -n "$recs_newest" ] && recs_built=$(iso_time "${recs_newest%% *}")
  users="-"
  if [ -f "$data_dir/users.db" ]; then
    users=$(q "$data_dir/users.db" "SELECT COUNT(DISTINCT user_id) FROM library" 2>/dev/null || echo "-")
  fi
  recs_files=0
  [ -d "$data_dir/recs" ] && recs_files=$(find "$data_dir/recs" -type f ! -name '.*' | wc -l)
  printf '%-10s %s\n' buildsvm "users with a library: $users; files in recs/: $recs_files; last written $recs_built"
fi

echo
echo "disk used:"
shopt -s nullglob dotglob
entries=("$data_dir"/*)
shopt -u nullglob dotglob
for e in "${entries[@]}"; do
  printf '  %-8s %s\n' "$(du -sh -- "$e" | cut -f1)" "${e##*/}"
done
echo "  total: $(du -sh "$data_dir" | cut -f1); free on its filesystem: $(df -h --output=avail "$data_dir" | tail -1 | tr -d ' ')"
